using System.Numerics;

namespace Obscura.Privacy.Local;

/// <summary>
/// The hash family of optimised local hashing: every linear map F_g^k → F_g for a prime g. A value x &lt; d is read as
/// its k base-g digits (g^k ≥ d), a seed a &lt; g^k likewise, and H_a(x) = Σ a_i·x_i mod g.
/// <para>
/// Why linear: for values u ≠ v the difference z = u − v (digit-wise, mod g) is a nonzero vector, so a ↦ ⟨a, z⟩ is a
/// nonzero linear functional and takes each value of F_g on exactly g^(k−1) seeds. Hence exactly a fraction 1/g of the
/// family hashes u and v to the same bucket, for every pair, not on average over pairs: the OLH decoder that assumes
/// collision probability 1/g is exactly unbiased. A fixed family of random hash functions has per-pair collision rates
/// that scatter around 1/g, and its decoder is biased by an amount that grows with the number of reports.
/// </para>
/// <para>
/// Why it decodes fast: the support of every value is T(x) = Σ_a C[a, ⟨a, x⟩], where C counts the reports per (seed,
/// bucket). That is computed one digit at a time (a_t is summed out and replaced by x_t, carrying the partial sum σ):
/// k·g²·g^k additions in all, instead of g^k·d hash evaluations.
/// </para>
/// </summary>
internal sealed class LinearHashFamily
{
    private readonly int[] _powers;

    /// <summary>The family for values 0 … <paramref name="domainSize"/> − 1 into <paramref name="prime"/> buckets.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The family would have more than <see cref="int.MaxValue"/> seeds.</exception>
    public LinearHashFamily(int prime, int domainSize)
    {
        Prime = prime;
        DomainSize = domainSize;
        long size = 1;
        var powers = new List<int> { 1 };
        while (size < domainSize)
        {
            size *= prime;
            if (size > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(domainSize),
                    domainSize,
                    "The hash family of this domain at this ε would have more than 2^31 seeds: map the values into a smaller domain first.");
            }

            powers.Add((int)size);
        }

        _powers = [.. powers];
        Digits = _powers.Length - 1;
        Size = (int)size;
    }

    /// <summary>g, the number of buckets (prime).</summary>
    public int Prime { get; }

    /// <summary>d.</summary>
    public int DomainSize { get; }

    /// <summary>k, the base-g digits of a value (the smallest k with g^k ≥ d).</summary>
    public int Digits { get; }

    /// <summary>g^k, the number of seeds.</summary>
    public int Size { get; }

    /// <summary>H_seed(value) = Σ seed_i·value_i mod g.</summary>
    public int Hash(int seed, int value)
    {
        long sum = 0;
        while (seed != 0 && value != 0)
        {
            sum += (long)(seed % Prime) * (value % Prime) % Prime;
            seed /= Prime;
            value /= Prime;
        }

        return (int)(sum % Prime);
    }

    /// <summary>
    /// Adds <paramref name="weight"/> to the support of every value x &lt; d with H_seed(x) = <paramref name="bucket"/>:
    /// for each choice of the higher digits, the lowest digit is solved for (one value) when seed_0 ≠ 0, or is free when
    /// seed_0 = 0. About d/g steps of k digits.
    /// </summary>
    public void AddPreimage<T>(Span<T> support, int seed, int bucket, T weight)
        where T : INumber<T>
    {
        var g = Prime;
        var low = seed % g;
        var high = seed / g;
        var inverse = low == 0 ? 0 : Inverse(low);
        var blocks = ((DomainSize - 1) / g) + 1;
        for (var h = 0; h < blocks; h++)
        {
            var rest = bucket - Hash(high, h);
            if (rest < 0)
            {
                rest += g;
            }

            var first = (long)h * g;
            if (low != 0)
            {
                var x = first + (rest * inverse % g);
                if (x < DomainSize)
                {
                    support[(int)x] += weight;
                }
            }
            else if (rest == 0)
            {
                for (var x = (int)first; x < Math.Min(first + g, DomainSize); x++)
                {
                    support[x] += weight;
                }
            }
        }
    }

    /// <summary>
    /// The support of each value, Σ_a table[a·g + H_a(x)], from the per-(seed, bucket) table of length g^(k+1), which is
    /// used as scratch. Stage t turns W[x_0 … x_(t−1), a_t … a_(k−1); σ] (σ is the bucket offset still to match) into
    /// the array with a_t replaced by x_t: W′[…, x_t, …; σ] = Σ_(a_t) W[…, a_t, …; σ + a_t·x_t]. After k stages, the
    /// support of x is W[x; 0]. k·g^(k+2) additions: fewer than enumerating preimages (g^k·d) when g² &lt; d.
    /// </summary>
    public T[] Support<T>(T[] table)
        where T : INumber<T>
    {
        var g = Prime;
        if (table.Length != (long)Size * g)
        {
            throw new ArgumentException("The table has one entry per seed and bucket.", nameof(table));
        }

        var current = table;
        var next = new T[current.Length];
        for (var t = 0; t < Digits; t++)
        {
            var last = t == Digits - 1;
            var stride = _powers[t];
            var outer = _powers[Digits - 1 - t];
            Array.Clear(next);
            for (var o = 0; o < outer; o++)
            {
                for (var i = 0; i < stride; i++)
                {
                    for (var x = 0; x < g; x++)
                    {
                        var target = next.AsSpan((((o * g) + x) * stride + i) * g, g);
                        var shift = 0;
                        for (var a = 0; a < g; a++)
                        {
                            var source = current.AsSpan((((o * g) + a) * stride + i) * g, g);
                            if (last)
                            {
                                target[0] += source[shift];
                            }
                            else
                            {
                                AddRotated(target, source, shift);
                            }

                            shift += x;
                            if (shift >= g)
                            {
                                shift -= g;
                            }
                        }
                    }
                }
            }

            (current, next) = (next, current);
        }

        var support = new T[DomainSize];
        for (var x = 0; x < DomainSize; x++)
        {
            support[x] = current[x * g];
        }

        return support;
    }

    /// <summary>target[σ] += source[(σ + shift) mod g].</summary>
    private static void AddRotated<T>(Span<T> target, ReadOnlySpan<T> source, int shift)
        where T : INumber<T>
    {
        var wrap = target.Length - shift;
        for (var s = 0; s < wrap; s++)
        {
            target[s] += source[s + shift];
        }

        for (var s = wrap; s < target.Length; s++)
        {
            target[s] += source[s - wrap];
        }
    }

    /// <summary>a^(g−2) mod g, the inverse of a ≠ 0 in F_g.</summary>
    private long Inverse(int a)
    {
        long result = 1, power = a;
        for (var e = Prime - 2; e > 0; e >>= 1)
        {
            if ((e & 1) == 1)
            {
                result = result * power % Prime;
            }

            power = power * power % Prime;
        }

        return result;
    }
}
