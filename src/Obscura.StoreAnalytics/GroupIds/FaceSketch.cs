namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// What the edge keeps of one capture between hashing and its visit's randomised group ID: the unflipped b-bit LSH
/// code and a 256-bit keyed tracking code (the signs against 256 more hyperplanes of the day), both under the day's key.
/// Memory only, opaque outside this assembly, never printed: within a day it tells whether a photographed face is the
/// one captured, so it is dropped when its band closes.
/// </summary>
public readonly struct FaceSketch
{
    internal FaceSketch(uint code, ulong[] tracking)
    {
        Code = code;
        Tracking = tracking;
    }

    /// <summary>The unflipped group-ID bits.</summary>
    internal uint Code { get; }

    /// <summary>The tracking bits, 64 a word: captures of one visit lie within a small Hamming distance.</summary>
    internal ulong[] Tracking { get; }

    /// <summary>The Hamming distance between two tracking codes.</summary>
    internal static int Distance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        var d = 0;
        for (var i = 0; i < a.Length; i++)
        {
            d += System.Numerics.BitOperations.PopCount(a[i] ^ b[i]);
        }

        return d;
    }

    /// <inheritdoc/>
    public override string ToString() => "FaceSketch(hidden)";
}
