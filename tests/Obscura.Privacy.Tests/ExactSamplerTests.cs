using Obscura.Privacy.Sampling;

namespace Obscura.Privacy.Tests;

/// <summary>
/// Statistical tests of the exact samplers on the cryptographic RNG. Each states its false-failure probability: the
/// chance that a correct sampler fails it, from Hoeffding's inequality with a union bound over the checked values.
/// </summary>
public sealed class ExactSamplerTests
{
    private const int Draws = 200_000;

    [Theory]
    [InlineData(0UL, 1UL)]
    [InlineData(1UL, 3UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(5UL, 2UL)]
    public void Bernoulli_exp_minus_gamma_has_mean_exp_minus_gamma(ulong numerator, ulong denominator)
    {
        // False-failure probability 1e-9 per case.
        var random = new CryptoRandomSource();
        var hits = 0;
        for (var i = 0; i < Draws; i++)
        {
            hits += ExactSamplers.BernoulliExp(random, numerator, denominator) ? 1 : 0;
        }

        Assert.Equal(Math.Exp(-(double)numerator / denominator), (double)hits / Draws, Tolerance.Hoeffding(Draws, 1e-9));
    }

    [Theory]
    [InlineData(3UL, 2UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(7UL, 1UL)]
    public void Discrete_laplace_matches_its_probability_mass_function(ulong t, ulong s)
    {
        var scale = Rational.Of(t, s);
        var b = (double)t / s;
        double Mass(long x) => (1 - Math.Exp(-1 / b)) / (1 + Math.Exp(-1 / b)) * Math.Exp(-Math.Abs(x) / b);
        AssertMatches(random => ExactSamplers.DiscreteLaplace(random, scale), Mass, 2 * Math.Exp(-1 / b) / Math.Pow(1 - Math.Exp(-1 / b), 2));
    }

    [Theory]
    [InlineData(2UL, 1UL)]
    [InlineData(9UL, 4UL)]
    [InlineData(50UL, 1UL)]
    public void Discrete_gaussian_matches_its_probability_mass_function(ulong n, ulong d)
    {
        var variance = (double)n / d;
        var span = DiscreteGaussianMass.Span(variance);
        var mass = DiscreteGaussianMass.Of(variance);
        var second = 0.0;
        for (var x = -span; x <= span; x++)
        {
            second += x * x * mass(x);
        }

        AssertMatches(random => ExactSamplers.DiscreteGaussian(random, Rational.Of(n, d)), mass, second);
    }

    [Fact]
    public void A_seeded_source_reproduces_the_samples_and_bad_parameters_are_refused()
    {
        long[] Draw() { var r = new SeededRandom(42); return [.. Enumerable.Range(0, 100).Select(_ => ExactSamplers.DiscreteGaussian(r, Rational.Of(10, 1)))]; }
        Assert.Equal(Draw(), Draw());
        var random = new CryptoRandomSource();
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSamplers.DiscreteLaplace(random, Rational.Whole(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSamplers.DiscreteGaussian(random, Rational.Whole(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSamplers.UniformBelow(random, 0UL));
        Assert.Throws<ArgumentOutOfRangeException>(() => ExactSamplers.Bernoulli(random, 3UL, 2UL));
    }

    [Fact]
    public void Huge_parameters_fall_back_to_big_integers_and_stay_exact()
    {
        // γ = (2^126 + 1)/2^126 with a denominator above 2^64: the draw runs in BigInteger arithmetic and is still exp(−γ) ≈ 0.37.
        var random = new CryptoRandomSource();
        var hits = 0;
        const int N = 20_000;
        for (var i = 0; i < N; i++)
        {
            hits += ExactSamplers.BernoulliExp(random, (UInt128.One << 126) + 1, UInt128.One << 126) ? 1 : 0;
        }

        Assert.Equal(Math.Exp(-1), (double)hits / N, Tolerance.Hoeffding(N, 1e-9)); // false-failure probability 1e-9

        // σ² = (2^64 − 1)/21 ≈ 8.8·10^17, σ ≈ 9.4·10^8: every acceptance draw has a denominator 2σ²t² ≈ 7.6·10^37 above
        // 2^64, so it runs in BigInteger. The draws must follow the Gaussian. The empirical distribution of |x|/σ is
        // within DKW's bound of the half-normal's at every point (Dvoretzky-Kiefer-Wolfowitz with Massart's constant: the
        // supremum exceeds ε with probability at most 2·exp(−2nε²) = 1e-9), and the fraction above 0 within Hoeffding's
        // of 1/2 (1e-9). At this scale the discrete Gaussian's distribution equals the continuous one's to within 10^-8.
        // With 20,000 draws ε = 0.023; accepting every Laplace proposal is 0.05 off at 1σ, and twice the exponent of the
        // acceptance probability is 0.04 off at σ/2.
        var variance = Rational.Of(ulong.MaxValue / 3, 7);
        var sigma = Math.Sqrt((double)(ulong.MaxValue / 3) / 7);
        const int Gaussians = 20_000;
        var magnitudes = new double[Gaussians];
        var positive = 0;
        for (var i = 0; i < Gaussians; i++)
        {
            var x = (double)ExactSamplers.DiscreteGaussian(random, variance);
            magnitudes[i] = Math.Abs(x) / sigma;
            positive += x > 0 ? 1 : 0;
        }

        // P(|Z| ≤ z) = erf(z/√2) for a standard normal Z.
        (double Z, double Cdf)[] halfNormal = [(0.25, 0.1974126), (0.5, 0.3829249), (0.75, 0.5467530), (1, 0.6826895), (1.25, 0.7887005), (1.5, 0.8663856), (2, 0.9544997), (2.5, 0.9875807), (3, 0.9973002)];
        var dkw = Math.Sqrt(Math.Log(2 / 1e-9) / (2.0 * Gaussians));
        foreach (var (z, cdf) in halfNormal)
        {
            Assert.Equal(cdf, magnitudes.Count(m => m <= z) / (double)Gaussians, dkw);
        }

        Assert.Equal(0.5, (double)positive / Gaussians, Tolerance.Hoeffding(Gaussians, 1e-9));
    }

    /// <summary>
    /// Each of the 21 central values' frequencies is within Hoeffding's bound of its mass (false-failure probability
    /// 21 × 1e-9 by the union bound), and the mean of x² is within 6 standard errors of the variance (false-failure
    /// probability below 1e-8 by Chebyshev on the fourth moment being finite: in practice far smaller).
    /// </summary>
    private static void AssertMatches(Func<IRandomSource, long> sample, Func<long, double> mass, double variance)
    {
        var random = new CryptoRandomSource();
        var counts = new Dictionary<long, int>();
        var sumSquares = 0.0;
        var sumFourth = 0.0;
        for (var i = 0; i < Draws; i++)
        {
            var x = sample(random);
            counts[x] = counts.GetValueOrDefault(x) + 1;
            sumSquares += (double)x * x;
            sumFourth += (double)x * x * x * x;
        }

        var bound = Tolerance.Hoeffding(Draws, 1e-9);
        for (var x = -10L; x <= 10; x++)
        {
            Assert.Equal(mass(x), (double)counts.GetValueOrDefault(x) / Draws, bound);
        }

        var meanSquare = sumSquares / Draws;
        var standardError = Math.Sqrt(((sumFourth / Draws) - (meanSquare * meanSquare)) / Draws);
        Assert.InRange(meanSquare, variance - (6 * standardError), variance + (6 * standardError));
    }
}
