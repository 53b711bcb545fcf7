using System.Numerics;
using Obscura.Privacy.Accounting;
using Obscura.Privacy.Mechanisms;

namespace Obscura.Privacy.Tests;

public sealed class DpSgdAccountingTests
{
    private static double Epsilon(double q, double sigma, long steps, double delta)
    {
        var accountant = new PrivacyAccountant();
        accountant.Add(new PrivacyCost.SubsampledGaussian(q, sigma, steps));
        return accountant.EpsilonFor(delta);
    }

    // TF Privacy, tensorflow_privacy/privacy/analysis/compute_dp_sgd_privacy_test.py (commit 943ef91e),
    // test_compute_dp_sgd_privacy: (n, batch, σ, epochs, δ) → (ε, optimal order). There q = batch/n and
    // T = ⌈epochs·n/batch⌉; the optimal orders (19 and 13) are integers, where the closed form is exact, so the
    // figures agree to rounding.
    [Theory]
    [InlineData(60000, 150, 1.3, 15, 1e-5, 0.7242234026109595)]
    [InlineData(100000, 100, 1.0, 30, 1e-7, 1.4154988495444845)]
    public void Dp_sgd_epsilon_matches_tf_privacy_compute_dp_sgd_privacy(int n, int batch, double sigma, int epochs, double delta, double expected)
    {
        var steps = (long)Math.Ceiling(epochs * (double)n / batch);
        var epsilon = Epsilon((double)batch / n, sigma, steps, delta);
        Assert.Equal(expected, epsilon, 1e-9);
    }

    // Opacus, opacus/tests/accountants_test.py, test_rdp_accountant: σ = 1.5, q = 0.04, T = ⌊90/0.04⌋ = 2250, δ = 1e-5
    // gives ε = 7.32911117143 over Opacus's default orders, which include fractional ones (1.1 … 10.9, evaluated by
    // the series of Mironov et al. Sec. 3.3). Obscura rounds a fractional order up to an integer, so its ε is an upper
    // bound, a little above.
    [Fact]
    public void Dp_sgd_epsilon_is_at_or_just_above_opacus_rdp_accountant()
    {
        var epsilon = Epsilon(0.04, 1.5, 2250, 1e-5);
        Assert.InRange(epsilon, 7.32911117143 - 1e-9, 7.32911117143 + 1e-3); // Obscura: 7.329877, 0.01 % above
    }

    [Fact]
    public void Full_batch_equals_the_gaussian_mechanism_curve_exactly()
    {
        foreach (var sigma in new[] { 0.3, 1.0, 4.5 })
        {
            var cost = new PrivacyCost.SubsampledGaussian(1, sigma, 7);
            foreach (var alpha in PrivacyAccountant.Orders)
            {
                Assert.Equal(7 * (alpha / (2 * sigma * sigma)), cost.RenyiEpsilon(alpha));
            }

            Assert.Equal(7 / (2 * sigma * sigma), cost.AsRho);
        }
    }

    [Fact]
    public void Integer_orders_agree_with_the_sum_evaluated_directly()
    {
        foreach (var (q, sigma) in new[] { (0.01, 1.1), (0.25, 0.8), (0.5, 2.0), (0.9, 1.0) })
        {
            for (var alpha = 2; alpha <= 12; alpha++)
            {
                // Σ C(α,k) (1−q)^(α−k) q^k exp((k²−k)/(2σ²)), binomials exact, terms in plain double.
                var sum = 0.0;
                for (var k = 0; k <= alpha; k++)
                {
                    sum += (double)Binomial(alpha, k) * Math.Pow(1 - q, alpha - k) * Math.Pow(q, k) * Math.Exp(((k * k) - k) / (2 * sigma * sigma));
                }

                var direct = Math.Log(sum) / (alpha - 1);
                var cost = new PrivacyCost.SubsampledGaussian(q, sigma, 3);
                Assert.Equal(3 * direct, cost.RenyiEpsilon(alpha), 1e-12 * Math.Max(1, direct));
                if (alpha > 2)
                {
                    Assert.Equal(cost.RenyiEpsilon(alpha), cost.RenyiEpsilon(alpha - 0.5)); // fractional orders round up
                }
            }
        }
    }

    [Fact]
    public void Large_orders_and_small_noise_stay_finite_and_bounded_by_the_unsampled_curve()
    {
        var cost = new PrivacyCost.SubsampledGaussian(0.01, 0.5, 1);
        var full = new PrivacyCost.SubsampledGaussian(1, 0.5, 1);
        foreach (var alpha in new[] { 2.0, 64, 128, 256 })
        {
            var renyi = cost.RenyiEpsilon(alpha);
            Assert.True(double.IsFinite(renyi) && renyi > 0, $"α = {alpha}: {renyi}");
            Assert.True(renyi <= full.RenyiEpsilon(alpha), $"α = {alpha}: {renyi} above {full.RenyiEpsilon(alpha)}");
        }

        var tiny = new PrivacyCost.SubsampledGaussian(0.5, 0.05, 1000);
        Assert.True(double.IsFinite(tiny.RenyiEpsilon(256)), "σ = 0.05 at α = 256 must not overflow");
        Assert.True(tiny.RenyiEpsilon(256) <= new PrivacyCost.SubsampledGaussian(1, 0.05, 1000).RenyiEpsilon(256));

        Assert.Equal(double.PositiveInfinity, cost.RenyiEpsilon(1.5));
        Assert.Equal(double.PositiveInfinity, cost.AsRho);
    }

    [Fact]
    public void Epsilon_grows_with_steps_and_sampling_rate_and_shrinks_with_noise()
    {
        var previous = 0.0;
        foreach (var steps in new long[] { 1, 10, 100, 1000, 10000 })
        {
            var e = Epsilon(0.01, 1.1, steps, 1e-5);
            Assert.True(e > previous, $"T = {steps}: {e} after {previous}");
            previous = e;
        }

        previous = 0;
        foreach (var q in new[] { 0.001, 0.01, 0.05, 0.2, 1 })
        {
            var e = Epsilon(q, 1.1, 100, 1e-5);
            Assert.True(e > previous, $"q = {q}: {e} after {previous}");
            previous = e;
        }

        previous = double.PositiveInfinity;
        foreach (var sigma in new[] { 0.6, 0.8, 1.1, 2, 5 })
        {
            var e = Epsilon(0.01, sigma, 1000, 1e-5);
            Assert.True(e < previous, $"σ = {sigma}: {e} after {previous}");
            previous = e;
        }
    }

    [Fact]
    public void Subsampled_gaussian_composes_with_pure_and_zcdp_releases_without_poisoning_the_minimum()
    {
        var accountant = new PrivacyAccountant();
        accountant.Add(PrivacyParameter.Epsilon(Rational.Of(1, 10)).Cost);
        accountant.Add(PrivacyParameter.Rho(Rational.Of(1, 100)).Cost);
        var before = accountant.EpsilonFor(1e-5);
        accountant.Add(new PrivacyCost.SubsampledGaussian(0.01, 1.1, 1000));
        var after = accountant.EpsilonFor(1e-5);

        Assert.Null(accountant.PureEpsilon);
        Assert.Equal(double.PositiveInfinity, accountant.Rho);
        Assert.True(double.IsFinite(after) && after > before, $"{after} after {before}");
        Assert.True(after < before + Epsilon(0.01, 1.1, 1000, 1e-5), "composition in RDP beats adding ε");
    }

    [Fact]
    public void Invalid_parameters_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyCost.SubsampledGaussian(0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyCost.SubsampledGaussian(1.01, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyCost.SubsampledGaussian(double.NaN, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyCost.SubsampledGaussian(0.1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyCost.SubsampledGaussian(0.1, double.PositiveInfinity, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PrivacyCost.SubsampledGaussian(0.1, 1, 0));
    }

    [Theory]
    [InlineData(1.0, 1e-5, 0.01, 1000)]
    [InlineData(8.0, 1e-5, 0.04, 2250)]
    [InlineData(0.5, 1e-6, 0.001, 50000)]
    public void Noise_multiplier_for_a_target_reaches_it_and_is_the_smallest_that_does(double target, double delta, double q, long steps)
    {
        var sigma = PrivacyAccountant.NoiseMultiplierFor(target, delta, q, steps);
        Assert.True(Epsilon(q, sigma, steps, delta) <= target);
        Assert.True(Epsilon(q, sigma * (1 - 1e-6), steps, delta) > target);
    }

    // Opacus, opacus/tests/accountants_test.py, test_get_noise_multiplier: ε = 8, δ = 1e-5, q = 0.04, 90 epochs
    // (T = 2250) gives σ = 1.425307617, from a bisection that stops once ε is within 0.01 below the target. Obscura
    // finds that σ private enough too (ε = 7.9498 there, not inside Opacus's 0.01 window: that figure was probably
    // fixed under an older conversion, so it is only a loose reference), and its own σ is the smallest reaching 8.
    [Fact]
    public void Noise_multiplier_for_a_target_is_consistent_with_opacus_get_noise_multiplier()
    {
        Assert.InRange(Epsilon(0.04, 1.425307617, 2250, 1e-5), 7.9, 8);
        var sigma = PrivacyAccountant.NoiseMultiplierFor(8, 1e-5, 0.04, 2250);
        Assert.InRange(sigma, 1.41, 1.425307617); // 1.41994
    }

    [Fact]
    public void Noise_multiplier_for_an_unreachable_target_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyAccountant.NoiseMultiplierFor(1e-4, 1e-5, 0.5, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyAccountant.NoiseMultiplierFor(1, 0, 0.5, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyAccountant.NoiseMultiplierFor(1, 1e-5, 0, 100));
    }

    private static BigInteger Binomial(int n, int k)
    {
        BigInteger result = 1;
        for (var i = 1; i <= k; i++)
        {
            result = result * (n - k + i) / i;
        }

        return result;
    }
}
