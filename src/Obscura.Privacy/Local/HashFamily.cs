namespace Obscura.Privacy.Local;

/// <summary>
/// The Bloom-filter hashes of <see cref="BloomRappor"/>: the SplitMix64 finaliser of (index, value), reduced to a range
/// by a multiply-shift. Public and deterministic: the server must recompute what each client hashed. The RAPPOR decoder
/// uses each candidate's exact bit pattern, so these hashes need no collision guarantee; OLH's do, and it uses
/// <see cref="LinearHashFamily"/>.
/// </summary>
internal static class HashFamily
{
    /// <summary>H_index(value) in [0, range).</summary>
    public static int Hash(int index, int value, int range)
    {
        unchecked
        {
            var z = ((ulong)(uint)index << 32) | (uint)value;
            z += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (int)((z >> 32) * (ulong)range >> 32);
        }
    }
}
