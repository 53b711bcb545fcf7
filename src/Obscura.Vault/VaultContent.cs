namespace Obscura.Vault;

/// <summary>A decrypted blob with its metadata.</summary>
/// <param name="Metadata">What the catalogue and the file's authenticated header say about it.</param>
/// <param name="Payload">The blob; the caller zeroes it when done.</param>
public sealed record VaultContent(VaultObject Metadata, byte[] Payload);
