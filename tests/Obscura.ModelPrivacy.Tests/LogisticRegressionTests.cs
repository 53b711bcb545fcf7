using Obscura.ModelPrivacy.Learning;

namespace Obscura.ModelPrivacy.Tests;

public sealed class LogisticRegressionTests
{
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 1.0)]
    [InlineData(3, 10.0)]
    public void The_fit_is_the_optimum_of_the_penalised_likelihood_its_gradient_vanishes(int seed, double penalty)
    {
        var random = new Random(seed);
        var (x, y) = Noisy(random, rows: 400, inputs: 6);

        var model = LogisticRegression.Fit(x, y, penalty);

        // Gradient of −log L + (penalty/2)·|w[1..]|² at the fitted weights.
        var w = model.Weights.ToArray();
        var gradient = new double[w.Length];
        for (var i = 0; i < x.Length; i++)
        {
            var residual = model.Probability(x[i]) - y[i];
            for (var a = 0; a < w.Length; a++)
            {
                gradient[a] += residual * x[i][a];
            }
        }

        for (var a = 1; a < w.Length; a++)
        {
            gradient[a] += penalty * w[a];
        }

        Assert.All(gradient, g => Assert.True(Math.Abs(g) < 1e-6, $"gradient component {g}"));
    }

    [Fact]
    public void A_larger_penalty_shrinks_the_weights_and_the_intercept_is_not_penalised()
    {
        var (x, y) = Noisy(new Random(4), rows: 300, inputs: 4);
        var loose = LogisticRegression.Fit(x, y, penalty: 0.01);
        var tight = LogisticRegression.Fit(x, y, penalty: 1000);

        double Norm(LogisticRegression m) => Math.Sqrt(m.Weights.Skip(1).Sum(v => v * v));
        Assert.True(Norm(tight) < Norm(loose) / 10);

        // With the slopes shrunk to almost nothing the intercept still matches the base rate.
        var rate = y.Average();
        Assert.Equal(rate, 1 / (1 + Math.Exp(-tight.Weights[0])), 1);
    }

    [Fact]
    public void Bad_shapes_and_labels_are_refused()
    {
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([], []));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1, 2]], [0, 1]));
        Assert.Throws<ArgumentException>(() => LogisticRegression.Fit([[1, 2]], [2]));
    }

    /// <summary>Rows of 1 followed by standard normal inputs; labels drawn from a logistic model with known weights.</summary>
    private static (double[][] X, int[] Y) Noisy(Random random, int rows, int inputs)
    {
        var truth = Enumerable.Range(0, inputs + 1).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var x = new double[rows][];
        var y = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            x[i] = [1, .. Enumerable.Range(0, inputs).Select(_ => Normal(random))];
            var z = x[i].Zip(truth, (a, b) => a * b).Sum();
            y[i] = random.NextDouble() < 1 / (1 + Math.Exp(-z)) ? 1 : 0;
        }

        return (x, y);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
