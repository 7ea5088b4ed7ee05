// The catalog's rows are the shared model's types; a module that imports the catalog sees them.
@_exported public import VaultModel
