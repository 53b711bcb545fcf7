using System.Numerics;

namespace Obscura.Privacy.Sampling;

/// <summary>
/// Exact samplers after Canonne, Kamath and Steinke, "The Discrete Gaussian for Differential Privacy" (NeurIPS 2020):
/// Bernoulli(p) and Bernoulli(exp(−γ)) for rational p and γ, the discrete Laplace and the discrete Gaussian. They use
/// only integer arithmetic on uniform random bits, so their output distributions are exactly the stated ones; there is
/// no floating point in the sampling path (the leak Mironov found in floating-point Laplace noise cannot occur).
/// Arithmetic is in 128-bit integers, or in <see cref="BigInteger"/> when a value may not fit; the choice is made
/// before a trial draws its first random bit, so it cannot bias the trial.
/// </summary>
public static class ExactSamplers
{
    /// <summary>A uniform integer in [0, <paramref name="n"/>), by rejection from the smallest power of two above n − 1.</summary>
    public static T UniformBelow<T>(IRandomSource random, T n)
        where T : IBinaryInteger<T>
    {
        ArgumentNullException.ThrowIfNull(random);
        if (n <= T.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "The bound is positive.");
        }

        if (n == T.One)
        {
            return T.Zero;
        }

        var bits = int.CreateChecked(T.Log2(n - T.One)) + 1;
        var mask = (T.One << bits) - T.One;
        while (true)
        {
            var value = T.Zero;
            for (var filled = 0; filled < bits; filled += 64)
            {
                value = (value << 64) | T.CreateTruncating(random.NextUInt64());
            }

            value &= mask;
            if (value < n)
            {
                return value;
            }
        }
    }

    /// <summary>True with probability <paramref name="numerator"/>/<paramref name="denominator"/> (at most 1).</summary>
    public static bool Bernoulli<T>(IRandomSource random, T numerator, T denominator)
        where T : IBinaryInteger<T> =>
        numerator > denominator ? throw new ArgumentOutOfRangeException(nameof(numerator), "The probability is at most 1.") : UniformBelow(random, denominator) < numerator;

    /// <summary>True with probability exp(−γ), γ = <paramref name="numerator"/>/<paramref name="denominator"/> ≥ 0 (CKS Algorithm 1).</summary>
    public static bool BernoulliExp(IRandomSource random, UInt128 numerator, UInt128 denominator)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfZero(denominator);

        // The arithmetic type is chosen before any random bit is drawn: restarting a half-done trial in wider
        // arithmetic would bias it. With a denominator below 2^64, denominator × K overflows 128 bits only for
        // K ≥ 2^64, which needs more than 2^64 consecutive successes of Bernoulli(γ/K) ≤ 1/K: it never happens.
        return denominator <= ulong.MaxValue
            ? BernoulliExpCore(random, numerator, denominator)
            : BernoulliExpCore(random, (BigInteger)numerator, (BigInteger)denominator);
    }

    /// <summary>
    /// The discrete Laplace distribution with scale <paramref name="scale"/> = t/s: P(x) ∝ exp(−|x|·s/t) over the
    /// integers (CKS Algorithm 2).
    /// </summary>
    public static long DiscreteLaplace(IRandomSource random, Rational scale)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (scale.Numerator == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), "The scale is positive.");
        }

        var t = (UInt128)scale.Numerator;
        var s = (UInt128)scale.Denominator;
        while (true)
        {
            var u = UniformBelow(random, t);
            if (!BernoulliExp(random, u, t))
            {
                continue;
            }

            UInt128 v = 0;
            while (BernoulliExp(random, 1, 1))
            {
                v++;
            }

            var y = checked((u + (t * v)) / s);
            var negative = (random.NextUInt64() & 1) == 1;
            if (negative && y == 0)
            {
                continue;
            }

            var magnitude = checked((long)y);
            return negative ? -magnitude : magnitude;
        }
    }

    /// <summary>
    /// The discrete Gaussian N_Z(0, σ²) with σ² = <paramref name="variance"/>: P(x) ∝ exp(−x²/(2σ²)) over the integers
    /// (CKS Algorithm 3: discrete Laplace proposals with scale t = ⌊σ⌋ + 1, accepted with probability
    /// exp(−(|y| − σ²/t)²/(2σ²))).
    /// </summary>
    public static long DiscreteGaussian(IRandomSource random, Rational variance)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (variance.Numerator == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(variance), "The variance is positive.");
        }

        var n = (UInt128)variance.Numerator;
        var d = (UInt128)variance.Denominator;
        var t = IntegerSquareRoot(n / d) + 1;
        var proposalScale = Rational.Of(checked((ulong)t), 1);
        while (true)
        {
            var y = DiscreteLaplace(random, proposalScale);
            bool accept;
            UInt128 numerator, denominator;
            try
            {
                // γ = (|y|·d·t − n)² / (2·n·d·t²), computed before any random bit of this trial is drawn.
                var a = checked((UInt128)Math.Abs(y) * d * t);
                var difference = a >= n ? a - n : n - a;
                numerator = checked(difference * difference);
                denominator = checked(2 * n * d * t * t);
            }
            catch (OverflowException)
            {
                var a = (BigInteger)Math.Abs(y) * (BigInteger)d * (BigInteger)t;
                var difference = BigInteger.Abs(a - (BigInteger)n);
                accept = BernoulliExpCore(random, difference * difference, 2 * (BigInteger)n * (BigInteger)d * (BigInteger)t * (BigInteger)t);
                if (accept)
                {
                    return y;
                }

                continue;
            }

            accept = BernoulliExp(random, numerator, denominator);
            if (accept)
            {
                return y;
            }
        }
    }

    private static bool BernoulliExpCore<T>(IRandomSource random, T numerator, T denominator)
        where T : IBinaryInteger<T>
    {
        if (numerator <= denominator)
        {
            // γ ≤ 1: K = 1, 2, … until Bernoulli(γ/K) fails; true when the last K is odd.
            var k = T.One;
            while (Bernoulli(random, numerator, checked(denominator * k)))
            {
                k++;
            }

            return T.IsOddInteger(k);
        }

        // γ > 1: exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)).
        var whole = numerator / denominator;
        for (var i = T.Zero; i < whole; i++)
        {
            if (!BernoulliExpCore(random, T.One, T.One))
            {
                return false;
            }
        }

        return BernoulliExpCore(random, numerator - (whole * denominator), denominator);
    }

    private static UInt128 IntegerSquareRoot(UInt128 value)
    {
        if (value < 2)
        {
            return value;
        }

        // Newton's method on integers, starting above the root.
        var x = UInt128.One << ((int)(UInt128.Log2(value) / 2) + 1);
        while (true)
        {
            var y = (x + (value / x)) / 2;
            if (y >= x)
            {
                return x;
            }

            x = y;
        }
    }
}
