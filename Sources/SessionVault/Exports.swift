// The vault's API speaks the shared model's types; importing SessionVault is enough to use them.
@_exported public import VaultModel
