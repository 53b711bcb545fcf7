using Obscura.Privacy.Accounting;
using Obscura.Privacy.Accounting.Internal;

namespace Obscura.Privacy.Tests;

public sealed class PldAccountingTests
{
    private static PrivacyCost.SubsampledGaussian Sgm(double q, double sigma, long steps) => new(q, sigma, steps);

    private static double Rdp(double q, double sigma, long steps, double delta) => PrivacyAccountant.EpsilonFor(Sgm(q, sigma, steps), delta);

    // Microsoft's prv_accountant (Gopi, Lee and Wutschitz 2021) as published in Opacus's test table,
    // pytorch/opacus opacus/tests/prv_accountant.py (commit 334b5a88), msr_values[(σ, q, T)] at δ = 1e-6. Opacus's
    // PRVAccountant.get_epsilon returns eps_upper with eps_error = 0.01, so the exact ε lies in [U − 0.02, U]. A sound
    // PLD bound must therefore not exceed U (beyond its own small pessimism) nor fall below U − 0.02. Obscura's are
    // 0.007–0.011 below U, i.e. on PRV's estimate.
    [Theory]
    [InlineData(0.8, 0.001, 100, 0.270403364058018680360362395731)]
    [InlineData(3.0, 0.001, 100, 0.0215200934390882663016508757892)]
    [InlineData(1.5, 0.05, 1000, 6.20996924657726712126759593957)]
    [InlineData(3.0, 0.05, 1000, 2.52757432605973830774814814504)]
    [InlineData(1.5, 0.001, 20000, 0.437005108654860807693154356457)]
    [InlineData(0.8, 0.001, 100000, 2.92462211935041027643933375657)]
    [InlineData(3.0, 0.001, 100000, 0.443671720880875475323534828931)]
    public void Pld_epsilon_lies_within_the_published_prv_accountant_bounds(double sigma, double q, long steps, double prvUpper)
    {
        var epsilon = PldAccountant.EpsilonFor(Sgm(q, sigma, steps), 1e-6);
        Assert.InRange(epsilon, prvUpper - 0.02, prvUpper);
        Assert.True(epsilon < Rdp(q, sigma, steps, 1e-6));
    }

    // The MNIST example of Abadi et al. and the Opacus/TF Privacy tutorials: n = 60,000, batch 256 (q = 256/60000),
    // σ = 1.1, 60 epochs (T = ⌊60/q⌋ = 14,062 as Opacus counts), δ = 1e-5. The RDP accountant (TF Privacy's to 1e-9)
    // gives 2.597; the PLD 2.382 (measured here; halving the interval moves it by 6e-5).
    [Fact]
    public void On_the_mnist_example_pld_is_well_below_rdp_and_converged_in_the_interval()
    {
        const double Q = 256.0 / 60000;
        var steps = (long)(60 / Q);
        Assert.Equal(14062, steps);
        var rdp = Rdp(Q, 1.1, steps, 1e-5);
        var pld = PldAccountant.EpsilonFor(Sgm(Q, 1.1, steps), 1e-5);
        var finer = PldAccountant.EpsilonFor(Sgm(Q, 1.1, steps), 1e-5, interval: 5e-5);
        Assert.Equal(2.597, rdp, 1e-3);
        Assert.Equal(2.382, pld, 1e-3);
        Assert.True(pld - finer is >= -1e-9 and < 2e-4, $"h = 1e-4: {pld}, h = 5e-5: {finer}");
    }

    // docs/model-privacy.md and docs/differential-privacy.md quote these computed figures.
    [Fact]
    public void Figures_quoted_in_the_docs_are_what_the_accountants_give()
    {
        // obscura train's default on full Fashion-MNIST: q = 512/60000, T = 20 epochs × round(60000/512) = 2,340.
        const double Train = 512.0 / 60000;
        Assert.Equal(0.9415, PrivacyAccountant.NoiseMultiplierFor(3, 1e-5, Train, 2340), 1e-4);
        Assert.Equal(2.66, PldAccountant.EpsilonFor(Sgm(Train, 0.9414935782551765, 2340), 1e-5), 5e-3);
        Assert.Equal(0.8914, PldAccountant.NoiseMultiplierFor(3, 1e-5, Train, 2340), 1e-4);

        // The LiRA audit's DP recipes: 1,000 training records, batch 128 (q = 0.128), 30 epochs × 8 = 240 steps.
        Assert.Equal(8.19, Rdp(0.128, 1.5, 240, 1e-5), 5e-3);
        Assert.Equal(7.37, PldAccountant.EpsilonFor(Sgm(0.128, 1.5, 240), 1e-5), 5e-3);
        Assert.Equal(3.17, Rdp(0.128, 3, 240, 1e-5), 5e-3);
        Assert.Equal(2.91, PldAccountant.EpsilonFor(Sgm(0.128, 3, 240), 1e-5), 5e-3);

        // The MNIST example's calibrations for ε = 3 (q = 256/60000, T = 14,062).
        Assert.Equal(1.0145, PrivacyAccountant.NoiseMultiplierFor(3, 1e-5, 256.0 / 60000, 14062), 1e-4);
        Assert.Equal(0.9684, PldAccountant.NoiseMultiplierFor(3, 1e-5, 256.0 / 60000, 14062), 1e-4);
    }

    // With q = 1 one step is the Gaussian mechanism, T steps the Gaussian mechanism with μ = √T/σ, whose exact curve is
    // δ(ε) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2) (Balle and Wang 2018, Thm 8). The PLD must lie on or above it, and within
    // its discretisation error.
    [Theory]
    [InlineData(0.5, 1)]
    [InlineData(1.0, 1)]
    [InlineData(2.0, 1)]
    [InlineData(4.0, 10)]
    [InlineData(10.0, 50)]
    public void Full_batch_matches_the_exact_gaussian_mechanism_within_the_discretisation_error(double sigma, long steps)
    {
        var mu = Math.Sqrt(steps) / sigma;
        double Exact(double epsilon) => StandardNormal.Cdf((-epsilon / mu) + (mu / 2)) - (Math.Exp(epsilon) * StandardNormal.Cdf((-epsilon / mu) - (mu / 2)));
        var pair = PldAccountant.For(Sgm(1, sigma, steps));
        foreach (var epsilon in new[] { 0.0, 0.1, 0.5, 1, 2, 4 })
        {
            var exact = Exact(epsilon);
            var pld = pair.DeltaFor(epsilon);
            Assert.True(pld >= exact * (1 - 1e-12), $"ε = {epsilon}: PLD δ {pld} below the exact {exact}");
            Assert.True(pld <= (exact * 1.01) + 1e-12, $"ε = {epsilon}: PLD δ {pld}, exact {exact}");
        }

        foreach (var delta in new[] { 1e-3, 1e-5, 1e-8 })
        {
            double low = 0, high = 100; // exact ε(δ) by bisection on the exact curve
            if (Exact(0) <= delta)
            {
                high = 0;
            }

            for (var i = 0; i < 200; i++)
            {
                var middle = (low + high) / 2;
                (low, high) = Exact(middle) > delta ? (middle, high) : (low, middle);
            }

            var pld = pair.EpsilonFor(delta);
            Assert.InRange(pld, high - 1e-9, high + 1e-3);
        }
    }

    // k-fold composition of ε₀-DP randomised response has the exact curve
    // δ(ε) = Σ_i C(k, i) p^(k−i) (1 − p)^i (1 − e^(ε − (k − 2i)ε₀))₊ with p = e^ε₀/(1 + e^ε₀) (Kairouz, Oh and
    // Viswanath 2015). It checks Compose (linear convolution) and the discretisation of a mechanism with atoms off the grid.
    [Fact]
    public void Composed_pure_releases_match_the_exact_optimal_composition()
    {
        const int K = 10;
        const double E0 = 0.37;
        var p = Math.Exp(E0) / (1 + Math.Exp(E0));
        double Exact(double epsilon)
        {
            var sum = 0.0;
            var binomial = 1.0;
            for (var i = 0; i <= K; i++)
            {
                var loss = (K - (2 * i)) * E0;
                if (loss > epsilon)
                {
                    sum += binomial * Math.Pow(p, K - i) * Math.Pow(1 - p, i) * -AccurateMath.ExpM1(epsilon - loss);
                }

                binomial = binomial * (K - i) / (i + 1);
            }

            return sum;
        }

        var single = PldAccountant.For(new PrivacyCost.Pure(Rational.Of(37, 100)));
        var total = single;
        for (var i = 1; i < K; i++)
        {
            total = total.Compose(single);
        }

        foreach (var epsilon in new[] { 0.0, 0.5, 1.0, 2.0, 3.0 })
        {
            var exact = Exact(epsilon);
            Assert.True(total.DeltaFor(epsilon) >= exact - 1e-12, $"ε = {epsilon}");
            Assert.True(total.DeltaFor(epsilon) <= exact + 2e-3, $"ε = {epsilon}: {total.DeltaFor(epsilon)} vs {exact}");
        }

        Assert.True(total.EpsilonFor(1e-6) < K * E0); // better than the sum of the εs
        var viaLedger = PldAccountant.TryEpsilonFor(Enumerable.Repeat<PrivacyCost>(new PrivacyCost.Pure(Rational.Of(37, 100)), K), 1e-6);
        Assert.Equal(total.EpsilonFor(1e-6), viaLedger!.Value, 1e-12);
    }

    // The add-one pair is the remove-one pair swapped, so H_t(P‖Q) = 1 − t + t·H_(1/t)(Q‖P): δ_add(ε) = 1 − e^ε + e^ε δ_remove(−ε).
    // The add direction never gave the larger ε in any configuration tried (remove dominates for ε ≥ 0 there), so this
    // identity is what checks its profile.
    [Fact]
    public void The_add_profile_is_the_remove_profile_swapped()
    {
        foreach (var (q, sigma) in new[] { (0.1, 1.0), (0.01, 0.8), (0.5, 2.0), (1.0, 1.5) })
        {
            foreach (var epsilon in new[] { -2, -0.5, -0.01, 0, 0.001, 0.01, 0.05, 0.5 })
            {
                var swapped = 1 - Math.Exp(epsilon) + (Math.Exp(epsilon) * PldAccountant.RemoveProfile(q, sigma, -epsilon));
                Assert.Equal(Math.Max(0, swapped), PldAccountant.AddProfile(q, sigma, epsilon), 1e-12);
            }
        }
    }

    [Fact]
    public void Self_composition_by_powers_agrees_with_repeated_convolution()
    {
        var one = PldAccountant.For(Sgm(0.05, 1.0, 1));
        var twice = one.Compose(one);
        var four = twice.Compose(twice);
        var power = one.ComposeSelf(4);
        foreach (var epsilon in new[] { 0.0, 0.2, 0.5, 1.0 })
        {
            Assert.Equal(four.DeltaFor(epsilon), power.DeltaFor(epsilon), 1e-10);
        }
    }

    public static TheoryData<double, double, long> Grid()
    {
        var data = new TheoryData<double, double, long>();
        foreach (var q in new[] { 0.001, 0.01, 0.1 })
        {
            foreach (var sigma in new[] { 0.8, 1.5, 4 })
            {
                foreach (var steps in new long[] { 1, 100, 1000 })
                {
                    data.Add(q, sigma, steps);
                }
            }
        }

        foreach (var sigma in new[] { 0.8, 1.5, 4 })
        {
            data.Add(1, sigma, 1);
            data.Add(1, sigma, 10);
        }

        return data;
    }

    // Both are upper bounds on the same exact ε; the PLD is the tight one, so it may never exceed the Rényi bound
    // (beyond the discretisation error, 1e-3 here, which matters only where both are ~0).
    [Theory]
    [MemberData(nameof(Grid))]
    public void Pld_epsilon_is_at_most_the_rdp_epsilon(double q, double sigma, long steps)
    {
        var pair = PldAccountant.For(Sgm(q, sigma, steps));
        foreach (var delta in new[] { 1e-5, 1e-8 })
        {
            var pld = pair.EpsilonFor(delta);
            var rdp = Rdp(q, sigma, steps, delta);
            Assert.True(pld <= rdp + 1e-3, $"q {q}, σ {sigma}, T {steps}, δ {delta}: PLD {pld} > RDP {rdp}");
        }
    }

    [Fact]
    public void Epsilon_falls_with_sigma_and_rises_with_steps_and_sampling_rate()
    {
        double E(double q, double sigma, long steps) => PldAccountant.EpsilonFor(Sgm(q, sigma, steps), 1e-5);
        var sigmas = new[] { 0.8, 1.0, 1.5, 2.5, 5 };
        for (var i = 1; i < sigmas.Length; i++)
        {
            Assert.True(E(0.01, sigmas[i], 200) < E(0.01, sigmas[i - 1], 200), $"σ {sigmas[i]}");
        }

        var steps = new long[] { 1, 10, 100, 1000, 3000 };
        for (var i = 1; i < steps.Length; i++)
        {
            Assert.True(E(0.01, 1.5, steps[i]) > E(0.01, 1.5, steps[i - 1]), $"T {steps[i]}");
        }

        var rates = new[] { 0.001, 0.005, 0.02, 0.1, 0.5, 1 };
        for (var i = 1; i < rates.Length; i++)
        {
            Assert.True(E(rates[i], 1.5, 10) > E(rates[i - 1], 1.5, 10), $"q {rates[i]}");
        }
    }

    [Fact]
    public void Delta_and_epsilon_queries_invert_each_other()
    {
        var pair = PldAccountant.For(Sgm(0.01, 1.1, 2000));
        foreach (var delta in new[] { 1e-3, 1e-5, 1e-7 })
        {
            var epsilon = pair.EpsilonFor(delta);
            Assert.Equal(delta, pair.DeltaFor(epsilon), delta * 1e-9);
        }

        Assert.Equal(pair.DeltaFor(1.0), PldAccountant.DeltaFor(Sgm(0.01, 1.1, 2000), 1.0), 1e-15);
    }

    [Fact]
    public void Calibrated_sigma_reaches_the_target_and_needs_less_noise_than_rdp()
    {
        const double Q = 0.01, Target = 2, Delta = 1e-5;
        const long Steps = 100;
        var sigma = PldAccountant.NoiseMultiplierFor(Target, Delta, Q, Steps);
        Assert.True(PldAccountant.EpsilonFor(Sgm(Q, sigma, Steps), Delta) <= Target);
        Assert.True(PldAccountant.EpsilonFor(Sgm(Q, sigma * (1 - 1e-5), Steps), Delta) > Target);
        var rdpSigma = PrivacyAccountant.NoiseMultiplierFor(Target, Delta, Q, Steps);
        Assert.True(sigma < rdpSigma * 0.97, $"PLD σ {sigma}, RDP σ {rdpSigma}");
    }

    [Fact]
    public void Bad_parameters_are_refused_with_argument_out_of_range()
    {
        var cost = Sgm(0.01, 1, 10);
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.EpsilonFor(cost, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.EpsilonFor(cost, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.EpsilonFor(cost, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.DeltaFor(cost, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.For(cost, interval: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.NoiseMultiplierFor(1, 1e-5, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.NoiseMultiplierFor(1, 1e-5, 1.5, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.NoiseMultiplierFor(1, 0, 0.1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.NoiseMultiplierFor(1, 1.5, 0.1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.NoiseMultiplierFor(0, 1e-5, 0.1, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => PldAccountant.NoiseMultiplierFor(1, 1e-5, 0.1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgm(0.1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sgm(0.1, -1, 1));
        Assert.Throws<ArgumentException>(() => PldAccountant.For(new PrivacyCost.Zcdp(Rational.Of(1, 10))));
        Assert.Null(PldAccountant.TryEpsilonFor([cost, new PrivacyCost.Zcdp(Rational.Of(1, 10))], 1e-5));
    }

    [Fact]
    public void Costs_beyond_the_grid_limit_are_declined_rather_than_miscounted()
    {
        // σ = 1e-3 at q = 1 spreads the loss over ±10^6: far beyond 2^22 points at h = 1e-4.
        Assert.Null(PldAccountant.TryEpsilonFor([Sgm(1, 1e-3, 1)], 1e-5));
        Assert.Null(PldAccountant.TryEpsilonFor([Sgm(0.5, 1, long.MaxValue)], 1e-5));

        // Degenerate parameters give nothing or the trivial (sound) +∞, never a figure below the truth.
        Assert.True(PldAccountant.TryEpsilonFor([Sgm(Math.PI / 1e4, 1e22, long.MaxValue)], 1e-5) is null or double.PositiveInfinity);
        // q = 2^-1074: the total variation distance is at most q, so ε(1e-5) = 0 exactly; the Rényi conversion gives NaN
        // here, which the tightest accounting treats as no bound.
        Assert.Equal(0, PldAccountant.TryEpsilonFor([Sgm(double.Epsilon, 1e-300, 1)], 1e-5));
        var degenerate = new PrivacyAccountant();
        degenerate.Add(Sgm(double.Epsilon, 1e-300, 1));
        Assert.Equal(new AccountedEpsilon(0, AccountingMethod.Pld, double.PositiveInfinity, 0), degenerate.TightestEpsilonFor(1e-5));

        // The ledger then keeps the Rényi figure.
        var accountant = new PrivacyAccountant();
        accountant.Add(Sgm(1, 1e-3, 1));
        Assert.Equal((accountant.EpsilonFor(1e-5), AccountingMethod.Rdp, (double?)null), (accountant.TightestEpsilonFor(1e-5).Epsilon, accountant.TightestEpsilonFor(1e-5).Method, accountant.TightestEpsilonFor(1e-5).PldEpsilon));
    }

    [Fact]
    public void Tightest_accounting_applies_the_pld_only_with_dp_sgd_and_never_to_zcdp()
    {
        var pure = new PrivacyAccountant();
        pure.Add(new PrivacyCost.Pure(Rational.Of(1, 2)));
        pure.Add(new PrivacyCost.Pure(Rational.Of(1, 2)));
        Assert.Equal(new AccountedEpsilon(pure.EpsilonFor(1e-6), AccountingMethod.Rdp, pure.EpsilonFor(1e-6), null), pure.TightestEpsilonFor(1e-6));

        var mixed = new PrivacyAccountant();
        mixed.Add(new PrivacyCost.Pure(Rational.Of(1, 2)));
        mixed.Add(Sgm(0.01, 1.1, 500));
        var accounted = mixed.TightestEpsilonFor(1e-6);
        Assert.Equal(AccountingMethod.Pld, accounted.Method);
        Assert.True(accounted.Epsilon < accounted.RdpEpsilon);
        Assert.Equal(PldAccountant.TryEpsilonFor(mixed.Releases, 1e-6), accounted.PldEpsilon);

        mixed.Add(new PrivacyCost.Zcdp(Rational.Of(1, 100)));
        Assert.Equal(AccountingMethod.Rdp, mixed.TightestEpsilonFor(1e-6).Method);
        Assert.Null(mixed.TightestEpsilonFor(1e-6).PldEpsilon);
    }
}
