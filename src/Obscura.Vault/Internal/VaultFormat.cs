using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Obscura.Governance.Purposes;
using Obscura.Governance.Subjects;

namespace Obscura.Vault.Internal;

/// <summary>
/// The object file: <c>"OBSV1\n"</c>, a 4-byte big-endian header length, the header (UTF-8 JSON of the metadata), a
/// 12-byte nonce, a 16-byte tag and the AES-256-GCM ciphertext of the blob under the subject's data key. Everything
/// before the nonce is the associated data, so the metadata is authenticated with the blob.
/// </summary>
internal static class VaultFormat
{
    private static readonly byte[] Magic = "OBSV1\n"u8.ToArray();
    private const int NonceSize = 12, TagSize = 16;

    /// <summary>Upper bound on a blob, in bytes.</summary>
    public const int MaxPayloadBytes = 64 * 1024 * 1024;

    public static byte[] Seal(VaultObject metadata, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> dataKey)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(Header.From(metadata));
        var prefix = Magic.Length + 4 + header.Length;
        var file = new byte[prefix + NonceSize + TagSize + payload.Length];
        Magic.CopyTo(file, 0);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(Magic.Length), header.Length);
        header.CopyTo(file, Magic.Length + 4);
        var nonce = file.AsSpan(prefix, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(dataKey, TagSize);
        aes.Encrypt(nonce, payload, file.AsSpan(prefix + NonceSize + TagSize), file.AsSpan(prefix + NonceSize, TagSize), file.AsSpan(0, prefix));
        return file;
    }

    /// <summary>Decrypts and authenticates the file; false when it was altered or the key is not its key.</summary>
    public static bool TryOpen(ReadOnlySpan<byte> file, ReadOnlySpan<byte> dataKey, out VaultObject? metadata, out byte[]? payload)
    {
        metadata = null;
        payload = null;
        if (!TrySplit(file, out var headerLength) || file.Length < Magic.Length + 4 + headerLength + NonceSize + TagSize)
        {
            return false;
        }

        var prefix = Magic.Length + 4 + headerLength;
        var plain = new byte[file.Length - prefix - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(dataKey, TagSize);
            aes.Decrypt(file.Slice(prefix, NonceSize), file[(prefix + NonceSize + TagSize)..], file.Slice(prefix + NonceSize, TagSize), plain, file[..prefix]);
            metadata = JsonSerializer.Deserialize<Header>(file.Slice(Magic.Length + 4, headerLength))?.ToObject();
        }
        catch (Exception ex) when (ex is AuthenticationTagMismatchException or JsonException or ArgumentException)
        {
            CryptographicOperations.ZeroMemory(plain);
            return false;
        }

        payload = plain;
        return metadata is not null;
    }

    private static bool TrySplit(ReadOnlySpan<byte> file, out int headerLength)
    {
        headerLength = 0;
        if (file.Length < Magic.Length + 4 || !file[..Magic.Length].SequenceEqual(Magic))
        {
            return false;
        }

        headerLength = BinaryPrimitives.ReadInt32BigEndian(file[Magic.Length..]);
        return headerLength > 0 && headerLength <= file.Length - Magic.Length - 4;
    }

    private sealed record Header(string Id, string Subject, string Purpose, long CollectedAt, long ExpiresAt, string Source, string ContentType, string Category, SortedDictionary<string, string> Labels, long Size)
    {
        public static Header From(VaultObject o) =>
            new(o.Id, o.Subject.Value, o.Purpose.Value, o.CollectedAt.ToUnixTimeMilliseconds(), o.ExpiresAt.ToUnixTimeMilliseconds(), o.Source, o.ContentType, o.Category.Value, new(o.Labels.ToDictionary(), StringComparer.Ordinal), o.Size);

        public VaultObject ToObject() =>
            new(Id, SubjectId.Parse(Subject), PurposeId.Parse(Purpose), DateTimeOffset.FromUnixTimeMilliseconds(CollectedAt), DateTimeOffset.FromUnixTimeMilliseconds(ExpiresAt), Source, ContentType, DataCategory.Parse(Category), Labels, Size);
    }
}
