using System.Security.Cryptography;

namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// A 32-byte secret a chain may provision its edges from (<see cref="DailyKeyRatchet.Create"/>'s seed). Never printed;
/// zeroed on dispose. Whoever holds it can recompute every day's key from the first day on, so it must not stay on the
/// edge: the edge keeps only its <see cref="DailyKeyRatchet"/>, which erases each day's key when the day is over.
/// </summary>
public sealed class StoreSecret : IDisposable
{
    /// <summary>Secret length in bytes.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;
    private bool _disposed;

    private StoreSecret(byte[] bytes) => _bytes = bytes;

    /// <summary>A fresh secret from the operating system's CSPRNG.</summary>
    public static StoreSecret Generate() => new(RandomNumberGenerator.GetBytes(Length));

    /// <summary>Wraps existing bytes (copied).</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    public static StoreSecret FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length ? new StoreSecret(bytes.ToArray()) : throw new ArgumentException($"A store secret is {Length} bytes.", nameof(bytes));

    /// <summary>
    /// A key for one store and day without forward secrecy, for tests of the geometry that need many independent
    /// keys: HKDF-SHA256 (RFC 5869) of the secret with info "obscura-store-groupid/v2/{store}/yyyy-MM-dd". The edge
    /// uses <see cref="DailyKeyRatchet"/> instead.
    /// </summary>
    /// <exception cref="ArgumentException">The store id is empty or contains '/'.</exception>
    internal byte[] DailyKey(string store, DateOnly date)
    {
        ArgumentException.ThrowIfNullOrEmpty(store);
        if (store.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("A store id has no '/'.", nameof(store));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = System.Text.Encoding.UTF8.GetBytes($"obscura-store-groupid/v2/{store}/{date:yyyy-MM-dd}");
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, _bytes, 32, salt: [], info: info);
    }

    /// <summary>A day's key for tests of the geometry, which need many independent keys but no store.</summary>
    internal byte[] DailyKey(DateOnly date) => DailyKey("test", date);

    /// <summary>The secret's bytes, for writing to an owner-only file.</summary>
    public byte[] Export()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return (byte[])_bytes.Clone();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        Array.Clear(_bytes);
    }

    /// <inheritdoc/>
    public override string ToString() => "StoreSecret(hidden)";
}
