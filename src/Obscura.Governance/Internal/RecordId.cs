using System.Security.Cryptography;

namespace Obscura.Governance.Internal;

/// <summary>Random record ids: a short prefix naming the kind and 128 random bits in base32.</summary>
internal static class RecordId
{
    public static string New(string prefix)
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return prefix + "_" + Base32.Encode(bytes);
    }
}
