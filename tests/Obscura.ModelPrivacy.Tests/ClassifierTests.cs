using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>DP-SGD needs exact per-example gradients and exact per-example norms: both are checked here.</summary>
public sealed class ClassifierTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 2)]
    [InlineData(7, 3)]
    public void The_per_example_gradient_matches_central_finite_differences(int hidden, int seed)
    {
        var model = new Classifier(inputs: 5, classes: 3, hidden);
        var random = new Random(seed);
        var parameters = model.Initialize(seed);
        for (var i = 0; i < parameters.Length; i++)
        {
            parameters[i] += (float)((random.NextDouble() - 0.5) * 0.8);
        }

        var x = Enumerable.Range(0, 5).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        const int label = 1;
        var workspace = model.NewWorkspace();
        model.Backward(parameters, x, label, workspace);
        var gradient = new float[model.ParameterCount];
        model.AddGradient(x, workspace, 1f, gradient);

        for (var k = 0; k < parameters.Length; k++)
        {
            var original = parameters[k];
            const float h = 1e-2f;
            parameters[k] = original + h;
            var up = model.Backward(parameters, x, label, workspace).Loss;
            parameters[k] = original - h;
            var down = model.Backward(parameters, x, label, workspace).Loss;
            parameters[k] = original;
            var numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - gradient[k]) < 2e-3, $"parameter {k}: analytic {gradient[k]}, numeric {numeric}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    public void The_factorised_norm_equals_the_norm_of_the_materialised_gradient_and_scaling_scales_it(int hidden)
    {
        var model = new Classifier(inputs: 784, classes: 10, hidden);
        var data = FashionMnistSubset.Train;
        var parameters = model.Initialize(3);
        var workspace = model.NewWorkspace();
        for (var i = 0; i < 20; i++)
        {
            var (_, squared) = model.Backward(parameters, data.Images[i], data.Labels[i], workspace);
            var gradient = new float[model.ParameterCount];
            model.AddGradient(data.Images[i], workspace, 0.5f, gradient);
            var materialised = gradient.Sum(g => (double)g * g);
            Assert.Equal(0.25 * squared, materialised, 0.25 * squared * 1e-4);
        }
    }

    [Fact]
    public void Every_clipped_example_contributes_at_most_the_clipping_norm()
    {
        var model = new Classifier(inputs: 784, classes: 10, hidden: 8);
        var data = FashionMnistSubset.Train;
        var parameters = model.Initialize(5);
        var partials = new[] { new float[model.ParameterCount] };
        var workspaces = new[] { model.NewWorkspace() };
        var sum = new float[model.ParameterCount];
        var clippedAny = false;
        for (var i = 0; i < 30; i++)
        {
            var (_, clipped) = SgdTrainer.AccumulateGradients(model, data, parameters, [i], 0.05f, partials, workspaces, sum);
            clippedAny |= clipped > 0;
            Assert.True(Math.Sqrt(sum.Sum(g => (double)g * g)) <= 0.05 * (1 + 1e-4));
        }

        Assert.True(clippedAny);
    }

    [Fact]
    public void An_example_whose_gradient_is_not_finite_is_left_out_of_the_step_not_added_unclipped()
    {
        var model = new Classifier(inputs: 784, classes: 10);
        var data = FashionMnistSubset.Train;
        var parameters = new float[model.ParameterCount];
        Array.Fill(parameters, float.MaxValue); // every logit overflows to +∞: the loss and the norm are not finite
        var sum = new float[model.ParameterCount];

        var (loss, clipped) = SgdTrainer.AccumulateGradients(model, data, parameters, [0, 1], 1f, [new float[model.ParameterCount]], [model.NewWorkspace()], sum);

        Assert.Equal(2, clipped);
        Assert.Equal(0, loss);
        Assert.All(sum, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Shapes_are_checked()
    {
        var model = new Classifier(inputs: 4, classes: 2);
        Assert.Equal((4 * 2) + 2, model.ParameterCount);
        Assert.Equal((4 * 3) + 3 + (2 * 3) + 2, new Classifier(4, 2, hidden: 3).ParameterCount);
        Assert.Throws<ArgumentException>(() => model.Predict(new float[model.ParameterCount], new float[5], model.NewWorkspace()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Classifier(0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Classifier(4, 1));
    }
}
