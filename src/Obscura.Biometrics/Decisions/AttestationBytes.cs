using System.Buffers.Binary;
using System.Security.Cryptography;
using Obscura.Biometrics.Protection;

namespace Obscura.Biometrics.Decisions;

/// <summary>The canonical bytes a comparison attestation signs: each field length-prefixed, the seal's own canonical bytes inside.</summary>
internal static class AttestationBytes
{
    private const string Tag = "obscura/comparison-attestation/v1";

    public static byte[] Of(byte[] ticketNonce, SealRequest reference, string sealingKeyId, byte[] seal, byte[] probeSha256, ReadOnlySpan<byte> result)
    {
        ArgumentNullException.ThrowIfNull(ticketNonce);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(seal);
        ArgumentNullException.ThrowIfNull(probeSha256);
        using var buffer = new MemoryStream();
        Write(buffer, System.Text.Encoding.UTF8.GetBytes(Tag));
        Write(buffer, ticketNonce);
        Write(buffer, SealedTemplate.SignedBytes(reference, sealingKeyId));
        Write(buffer, seal);
        Write(buffer, probeSha256);
        Write(buffer, SHA256.HashData(result));
        return buffer.ToArray();
    }

    private static void Write(MemoryStream buffer, ReadOnlySpan<byte> value)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
        buffer.Write(length);
        buffer.Write(value);
    }
}
