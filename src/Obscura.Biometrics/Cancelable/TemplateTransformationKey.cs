using System.Security.Cryptography;

namespace Obscura.Biometrics.Cancelable;

/// <summary>
/// The per-user, per-enrolment secret that makes a template cancelable: 32 CSPRNG bytes and a public identifier.
/// Zeroed on dispose, never printed. Revoking it (destroying the bytes) makes every template transformed under it useless.
/// </summary>
public sealed class TemplateTransformationKey : IDisposable
{
    /// <summary>Secret length in bytes.</summary>
    public const int Length = 32;

    private readonly byte[] _secret;
    private bool _disposed;

    private TemplateTransformationKey(string id, byte[] secret)
    {
        Id = id;
        _secret = secret;
    }

    /// <summary>The key's public identifier (recorded in sealed templates and the audit trail).</summary>
    public string Id { get; }

    /// <summary>A fresh key.</summary>
    public static TemplateTransformationKey Generate() =>
        new($"ttk_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}", RandomNumberGenerator.GetBytes(Length));

    /// <summary>A key from stored bytes (the key-management service unwraps them).</summary>
    /// <exception cref="ArgumentException">Not 32 bytes, or an empty id.</exception>
    public static TemplateTransformationKey FromBytes(string id, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (secret.Length != Length)
        {
            throw new ArgumentException($"A template transformation key has {Length} bytes.", nameof(secret));
        }

        return new TemplateTransformationKey(id, secret.ToArray());
    }

    /// <summary>A copy of the secret bytes, for wrapping by the key-management service.</summary>
    internal byte[] ExportSecret()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (byte[])_secret.Clone();
    }

    /// <summary>The AES key of the transform's random stream, derived from the secret with HKDF (domain-separated).</summary>
    internal byte[] DeriveStreamKey()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, _secret, 32, salt: [], info: "obscura/cancelable-transform/v1"u8.ToArray());
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_secret);
        _disposed = true;
    }

    /// <inheritdoc/>
    public override string ToString() => $"TemplateTransformationKey({Id}, secret hidden)";
}
