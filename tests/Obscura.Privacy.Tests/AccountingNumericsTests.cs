using Obscura.Privacy.Accounting.Internal;

namespace Obscura.Privacy.Tests;

public sealed class AccountingNumericsTests
{
    // Reference values of erfc from Abramowitz and Stegun / Wolfram (20 significant digits).
    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.1, 0.88753708398171510159)]
    [InlineData(0.5, 0.47950012218695346232)]
    [InlineData(1.0, 0.15729920705028513066)]
    [InlineData(2.0, 0.0046777349810472658379)]
    [InlineData(3.0, 2.2090496998585441373e-5)]
    [InlineData(5.0, 1.5374597944280348502e-12)]
    [InlineData(10.0, 2.0884875837625447570e-45)]
    [InlineData(-1.0, 1.84270079294971486934)]
    public void Erfc_matches_reference_values_to_full_relative_precision(double x, double expected)
    {
        // exp(−x²) itself carries a relative error of about x²·u, so far out the tolerance grows with x².
        Assert.Equal(expected, StandardNormal.Erfc(x), expected * 2e-15 * Math.Max(1, x * x));
    }

    [Fact]
    public void Erfc_is_continuous_where_the_series_hands_over_to_the_continued_fraction()
    {
        var edge = Math.Sqrt(1.5);
        var below = StandardNormal.Erfc(Math.BitDecrement(edge));
        var above = StandardNormal.Erfc(edge);
        Assert.Equal(below, above, above * 1e-14);
    }

    [Fact]
    public void Normal_tails_are_complementary()
    {
        foreach (var x in new[] { -8.0, -3, -0.5, 0, 0.5, 3, 8 })
        {
            Assert.Equal(1, StandardNormal.Cdf(x) + StandardNormal.Survival(x), 1e-15);
        }

        Assert.Equal(7.6198530241605260659e-24, StandardNormal.Survival(10), 7.62e-24 * 1e-14);
    }

    [Fact]
    public void Accurate_expm1_and_log1p_keep_their_digits_near_zero()
    {
        Assert.Equal(1.00000000005e-10, AccurateMath.ExpM1(1e-10), 1e-24);
        Assert.Equal(1.0000500016667084e-4, AccurateMath.ExpM1(1e-4), 1e-19);
        Assert.Equal(-1.00005000333358335e-4, AccurateMath.LogP1(-1e-4), 1e-19);
        Assert.Equal(Math.E - 1, AccurateMath.ExpM1(1), 1e-15);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(64)]
    [InlineData(1024)]
    public void Fft_matches_the_direct_dft_within_its_error_bound_and_round_trips(int n)
    {
        var random = new Random(n);
        var real = new double[n];
        var imaginary = new double[n];
        for (var i = 0; i < n; i++)
        {
            real[i] = random.NextDouble() - 0.5;
            imaginary[i] = random.NextDouble() - 0.5;
        }

        var (expectedReal, expectedImaginary) = (new double[n], new double[n]);
        for (var k = 0; k < n; k++)
        {
            for (var j = 0; j < n; j++)
            {
                var (sin, cos) = Math.SinCos(-2 * Math.PI * ((long)j * k % n) / n);
                expectedReal[k] += (real[j] * cos) - (imaginary[j] * sin);
                expectedImaginary[k] += (real[j] * sin) + (imaginary[j] * cos);
            }
        }

        var (r, i2) = ((double[])real.Clone(), (double[])imaginary.Clone());
        Fft.Transform(r, i2, inverse: false);
        var error = 0.0;
        var norm = 0.0;
        for (var k = 0; k < n; k++)
        {
            error += Math.Pow(r[k] - expectedReal[k], 2) + Math.Pow(i2[k] - expectedImaginary[k], 2);
            norm += (expectedReal[k] * expectedReal[k]) + (expectedImaginary[k] * expectedImaginary[k]);
        }

        // The direct sum errs too (by about n·u), so the check allows both.
        Assert.True(Math.Sqrt(error) <= (Fft.ErrorFactor(n) + (n * 2.3e-16)) * Math.Sqrt(norm) + 1e-300, $"n = {n}");
        Fft.Transform(r, i2, inverse: true);
        for (var k = 0; k < n; k++)
        {
            Assert.Equal(real[k], r[k], 1e-14);
            Assert.Equal(imaginary[k], i2[k], 1e-14);
        }
    }

    [Fact]
    public void Fft_refuses_lengths_that_are_not_a_power_of_two()
    {
        Assert.Throws<ArgumentException>(() => Fft.Transform(new double[6], new double[6], inverse: false));
        Assert.Throws<ArgumentException>(() => Fft.Transform(new double[8], new double[4], inverse: false));
    }
}
