// The shared model's value types this module speaks (dates, dispositions, chunk algorithms, media
// facts) are defined in VaultModel so catalog rows can hold them; a module that imports Media sees them.
@_exported public import VaultModel
