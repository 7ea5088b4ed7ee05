// Blob stores read into the shared model's buffer pool; a module that imports the store sees it.
@_exported public import VaultModel
