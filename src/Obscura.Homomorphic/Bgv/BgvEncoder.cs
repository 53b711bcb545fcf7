using Obscura.Homomorphic.Internal;
using Obscura.Homomorphic.Ring;

namespace Obscura.Homomorphic.Bgv;

/// <summary>
/// Batching: N integers modulo t ↔ a plaintext polynomial, in SEAL's layout. The slots form a 2 × N/2 matrix; slot i
/// of row 0 (index i) holds m(ψ^(3^i)) and slot i of row 1 (index N/2 + i) holds m(ψ^(−3^i)), where ψ is the minimal
/// primitive 2N-th root of unity modulo t. Products of polynomials multiply slots; X → X^(3^k) rotates both rows left by
/// k; X → X^-1 swaps the rows. Immutable; thread-safe.
/// </summary>
public sealed class BgvEncoder
{
    private readonly int[] _slotIndex; // slot → position in the NTT (bit-reversed) order

    /// <summary>Creates an encoder for <paramref name="parameters"/>.</summary>
    public BgvEncoder(BgvParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters;
        var n = parameters.PolyDegree;
        var bits = System.Numerics.BitOperations.Log2((uint)n);
        var rows = n / 2;
        var twoN = 2L * n;
        _slotIndex = new int[n];
        long power = 1;
        for (var i = 0; i < rows; i++)
        {
            // NTT position rev(k) holds m(ψ^(2k+1)): slot i of row 0 is the exponent 3^i, of row 1 the exponent −3^i.
            _slotIndex[i] = NttTables.Reverse((int)((power - 1) / 2), bits);
            _slotIndex[rows + i] = NttTables.Reverse((int)((twoN - power - 1) / 2), bits);
            power = power * 3 % twoN;
        }
    }

    /// <summary>The parameter set.</summary>
    public BgvParameters Parameters { get; }

    /// <summary>Number of slots, N.</summary>
    public int SlotCount => Parameters.SlotCount;

    /// <summary>
    /// Encodes up to N values (missing ones are zero), each reduced modulo t (negative values as t − |v| mod t), into
    /// slots 0 … N − 1: row 0 is slots 0 … N/2 − 1, row 1 the rest. No branch or division depends on the values.
    /// </summary>
    /// <exception cref="ArgumentException">More than N values.</exception>
    public BgvPlaintext Encode(ReadOnlySpan<long> values)
    {
        if (values.Length > SlotCount)
        {
            ThrowHelper.Argument(nameof(values), $"At most {SlotCount} values fit in N = {Parameters.PolyDegree} slots.");
        }

        var t = Parameters.PlainModulus;
        var coefficients = new ulong[Parameters.PolyDegree];
        for (var i = 0; i < values.Length; i++)
        {
            // |v| mod t by Barrett reduction and the sign by a mask: no division, no branch on the (secret) value.
            var v = values[i];
            var sign = unchecked((ulong)(v >> 63));
            var residue = t.Reduce(unchecked(((ulong)v ^ sign) - sign));
            coefficients[_slotIndex[i]] = (t.Negate(residue) & sign) | (residue & ~sign);
        }

        Ntt.Inverse(coefficients, Parameters.PlainTables);
        return new BgvPlaintext(Parameters, coefficients);
    }

    /// <summary>The N slot values, centred in (−t/2, t/2] (branch-free).</summary>
    /// <exception cref="ArgumentException">The plaintext belongs to another parameter set.</exception>
    public long[] Decode(BgvPlaintext plaintext)
    {
        var slots = DecodeUnsigned(plaintext);
        var t = Parameters.PlainModulus.Value;
        var half = t >> 1;
        var result = new long[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            var above = unchecked(0UL - ((half - slots[i]) >> 63));
            result[i] = unchecked((long)(slots[i] - (t & above)));
        }

        Array.Clear(slots);
        return result;
    }

    /// <summary>The N slot values in [0, t).</summary>
    /// <exception cref="ArgumentException">The plaintext belongs to another parameter set.</exception>
    public ulong[] DecodeUnsigned(BgvPlaintext plaintext)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        Parameters.EnsureSame(plaintext.Parameters, nameof(plaintext));
        var evaluations = plaintext.Coefficients.ToArray();
        Ntt.Forward(evaluations, Parameters.PlainTables);
        var slots = new ulong[SlotCount];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = evaluations[_slotIndex[i]];
        }

        Array.Clear(evaluations);
        return slots;
    }
}
