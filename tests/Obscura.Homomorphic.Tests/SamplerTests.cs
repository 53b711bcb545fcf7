using Obscura.Homomorphic.Arithmetic;
using Obscura.Homomorphic.Ckks;

namespace Obscura.Homomorphic.Tests;

/// <summary>
/// Statistical checks of the CSPRNG samplers (randomness is the thing under test, so no fixed seed). Each check
/// allows 6 standard errors: the false-failure probability is below 2·10^-9 per check, under 10^-8 for the class.
/// </summary>
public sealed class SamplerTests
{
    private const int Count = 600_000;

    [Fact]
    public void Ternary_values_are_uniform_over_minus_one_zero_one()
    {
        var values = new long[Count];
        Sampler.Ternary(values);
        var standardError = Math.Sqrt((1.0 / 3) * (2.0 / 3) / Count);
        foreach (var v in new long[] { -1, 0, 1 })
        {
            var frequency = values.Count(x => x == v) / (double)Count;
            Assert.InRange(frequency, (1.0 / 3) - (6 * standardError), (1.0 / 3) + (6 * standardError));
        }

        Assert.All(values, x => Assert.InRange(x, -1, 1));
    }

    [Fact]
    public void Gaussian_errors_have_mean_zero_sigma_3_2_and_stay_within_6_sigma()
    {
        var values = new long[Count];
        Sampler.Gaussian(values);
        var mean = values.Average();
        var variance = values.Select(x => (x - mean) * (x - mean)).Sum() / (Count - 1);

        // Rounding adds 1/12 to the variance of the continuous Gaussian; truncation at 6σ removes a negligible amount.
        var expectedVariance = (Sampler.Sigma * Sampler.Sigma) + (1.0 / 12);
        Assert.InRange(mean, -6 * Math.Sqrt(expectedVariance / Count), 6 * Math.Sqrt(expectedVariance / Count));
        var varianceError = expectedVariance * Math.Sqrt(2.0 / Count);
        Assert.InRange(variance, expectedVariance - (6 * varianceError), expectedVariance + (6 * varianceError));
        Assert.All(values, x => Assert.InRange(x, -Sampler.ErrorBound, Sampler.ErrorBound));
    }

    [Fact]
    public void Uniform_residues_are_below_q_with_the_uniform_mean()
    {
        var q = new Modulus(Primes.NttFriendly(60, 8192, 1)[0]);
        var values = new ulong[Count];
        Sampler.Uniform(values, q);
        Assert.All(values, x => Assert.True(x < q.Value));
        var mean = values.Average(x => (double)x) / q.Value;
        var standardError = Math.Sqrt(1.0 / 12 / Count);
        Assert.InRange(mean, 0.5 - (6 * standardError), 0.5 + (6 * standardError));
    }
}
