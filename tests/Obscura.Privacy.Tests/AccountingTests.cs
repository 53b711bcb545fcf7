using Obscura.Privacy.Accounting;
using Obscura.Privacy.Mechanisms;

namespace Obscura.Privacy.Tests;

public sealed class AccountingTests
{
    [Fact]
    public void Pure_releases_add_up_exactly_and_need_no_delta()
    {
        var accountant = new PrivacyAccountant();
        for (var i = 0; i < 3; i++)
        {
            accountant.Add(PrivacyParameter.Epsilon(Rational.Of(1, 2)).Cost);
        }

        Assert.Equal(1.5, accountant.PureEpsilon!.Value, 1e-9);
        Assert.True(accountant.EpsilonFor(1e-9) <= 1.5 + 1e-9);
        Assert.Equal(3 * 0.125, accountant.Rho, 1e-12); // ε²/2 each
    }

    [Fact]
    public void Zcdp_converts_to_epsilon_delta_with_the_renyi_bound_below_the_bun_steinke_bound()
    {
        var accountant = new PrivacyAccountant();
        accountant.Add(PrivacyParameter.Rho(Rational.Of(1, 2)).Cost);
        var epsilon = accountant.EpsilonFor(1e-5);
        Assert.Equal(4.752728336819823, epsilon, 1e-9); // min over the tracked orders (computed independently)
        Assert.True(epsilon < 0.5 + (2 * Math.Sqrt(0.5 * Math.Log(1e5))));
        Assert.Null(accountant.PureEpsilon);
    }

    [Fact]
    public void Epsilon_grows_with_every_release_and_shrinks_as_delta_grows()
    {
        var accountant = new PrivacyAccountant();
        var previous = 0.0;
        for (var i = 0; i < 10; i++)
        {
            accountant.Add(i % 2 == 0 ? PrivacyParameter.Rho(Rational.Of(1, 8)).Cost : PrivacyParameter.Epsilon(Rational.Of(1, 10)).Cost);
            var now = accountant.EpsilonFor(1e-6);
            Assert.True(now > previous, $"{now} after {previous}");
            previous = now;
        }

        Assert.True(accountant.EpsilonFor(1e-3) < accountant.EpsilonFor(1e-9));
        Assert.Throws<ArgumentOutOfRangeException>(() => accountant.EpsilonFor(0));
    }

    [Fact]
    public void Privacy_parameters_are_exact_rationals()
    {
        Assert.Equal(Rational.Of(3, 10), Rational.Parse("0.3"));
        Assert.Equal(Rational.Of(1, 1000), Rational.Parse("1e-3"));
        Assert.Equal(Rational.Of(1, 4), PrivacyParameter.Epsilon(Rational.Of(1, 2)).Split(2).Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => PrivacyParameter.Epsilon(Rational.Whole(0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rational.Parse("-1"));
    }
}
