namespace Obscura.Plots.Tests;

public sealed class NormalDeviateTests
{
    [Theory]
    [InlineData(0.5, 0.0)]
    [InlineData(0.975, 1.959963985)]
    [InlineData(0.05, -1.644853627)]
    [InlineData(0.01, -2.326347874)]
    [InlineData(0.001, -3.090232306)]
    [InlineData(0.0001, -3.719016485)]
    [InlineData(1e-6, -4.753424309)]
    public void Matches_tabulated_normal_quantiles(double rate, double z) =>
        Assert.Equal(z, NormalDeviate.Of(rate), 6);

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(-0.1)]
    public void Refuses_rates_the_axis_cannot_show(double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NormalDeviate.Of(rate));
}
