using Obscura.Biometrics.Evaluation;
using Obscura.Biometrics.Protection;

namespace Obscura.Biometrics.Tests;

public sealed class QuantisationTests
{
    [Theory]
    [InlineData(128, 1.8, 41)]
    [InlineData(512, 2.6, 42)]
    [InlineData(512, 2.6, 44)]
    public void Integer_scores_keep_the_equal_error_rate_within_a_tenth_of_a_percentage_point(int dimension, double captureNoise, int seed)
    {
        // Noisy synthetic captures so the genuine and impostor scores overlap (an EER of a few percent, not 0): 400
        // subjects × 5 captures give 4,000 genuine pairs (EER steps of 0.025 points) and 20,000 sampled impostor pairs.
        // The transform keeps inner products and maps unit vectors to unit vectors, so the embeddings are quantised
        // as they come (TemplateQuantisation quantises a transformed template's values the same way).
        var faces = new SyntheticFaces(dimension, seed, captureNoise);
        var random = new Random(seed);
        var transformed = new List<(int Subject, float[] Values, long[] Integers)>();
        for (var subject = 0; subject < 400; subject++)
        {
            var identity = faces.Identity();
            for (var capture = 0; capture < 5; capture++)
            {
                var values = faces.Capture(identity).Values.ToArray();
                transformed.Add((subject, values, TemplateQuantisation.Quantise(values)));
            }
        }

        var pairs = new List<(int I, int J, bool Genuine)>();
        for (var i = 0; i < transformed.Count; i++)
        {
            for (var j = i + 1; j < transformed.Count && transformed[j].Subject == transformed[i].Subject; j++)
            {
                pairs.Add((i, j, true));
            }
        }

        for (var impostors = 0; impostors < 20_000;)
        {
            var i = random.Next(transformed.Count);
            var j = random.Next(transformed.Count);
            if (transformed[i].Subject != transformed[j].Subject)
            {
                pairs.Add((i, j, false));
                impostors++;
            }
        }

        double Float(int i, int j)
        {
            var sum = 0.0;
            for (var k = 0; k < dimension; k++)
            {
                sum += (double)transformed[i].Values[k] * transformed[j].Values[k];
            }

            return sum;
        }

        double Integer(int i, int j) => TemplateQuantisation.IntegerScore(transformed[i].Integers, transformed[j].Integers) / (double)(TemplateQuantisation.Scale * TemplateQuantisation.Scale);
        double[] Scores(bool genuine, Func<int, int, double> score) => [.. pairs.Where(p => p.Genuine == genuine).Select(p => score(p.I, p.J))];

        var floating = new VerificationMetrics(Scores(true, Float), Scores(false, Float)).EqualErrorRate();
        var integer = new VerificationMetrics(Scores(true, Integer), Scores(false, Integer)).EqualErrorRate();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"d = {dimension}, S = {TemplateQuantisation.Scale}: EER float {100 * floating.FalseMatchRate:F3} %, integer {100 * integer.FalseMatchRate:F3} % (threshold {floating.Threshold:F4} / {integer.Threshold:F4})");
        Assert.InRange(floating.FalseMatchRate, 0.005, 0.2); // the data really overlaps: the comparison means something
        Assert.InRange(Math.Abs(integer.FalseMatchRate - floating.FalseMatchRate), 0, 0.001);
    }

    [Fact]
    public void Integer_scores_stay_within_the_stated_bound_and_rounding_is_symmetric()
    {
        var random = new Random(5);
        foreach (var dimension in new[] { 1, 7, 128, 512 })
        {
            var bound = TemplateQuantisation.MaxIntegerScore(dimension);
            for (var trial = 0; trial < 200; trial++)
            {
                // Adversarially aligned pairs (the same vector) reach the largest scores rounding allows.
                var v = Unit(random, dimension);
                var x = TemplateQuantisation.Quantise(v);
                Assert.InRange(TemplateQuantisation.IntegerScore(x, x), 0, bound);
                Assert.All(x, c => Assert.InRange(c, -TemplateQuantisation.Scale, TemplateQuantisation.Scale));
                var negated = TemplateQuantisation.Quantise([.. v.Select(c => -c)]);
                Assert.Equal(x.Select(c => -c), negated);
            }
        }

        Assert.Equal(32768, TemplateQuantisation.IntegerThreshold(0.5));
        Assert.Equal(-22938, TemplateQuantisation.IntegerThreshold(-0.35));
        Assert.Throws<ArgumentException>(() => TemplateQuantisation.Quantise([float.NaN]));
        Assert.Throws<ArgumentException>(() => TemplateQuantisation.Quantise([1.5f]));
        Assert.ThrowsAny<ArgumentException>(() => TemplateQuantisation.Quantise(new float[513]));
    }

    private static float[] Unit(Random random, int dimension)
    {
        var v = Enumerable.Range(0, dimension).Select(_ => random.NextDouble() - 0.5).ToArray();
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => (float)(x / norm))];
    }
}
