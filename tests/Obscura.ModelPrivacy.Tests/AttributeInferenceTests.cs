using Obscura.ModelPrivacy.Audit;
using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Tests;

public sealed class AttributeInferenceTests
{
    [Fact]
    public void When_the_label_depends_on_the_sensitive_column_the_attack_recovers_it_far_better_than_the_baseline()
    {
        // class = sensitive value 'b' (with a little noise); the other column is noise. Knowing the label gives away the value.
        var random = new Random(3);
        const int rows = 400;
        var sensitive = new int[rows];
        var noise = new double[rows];
        var label = new int[rows];
        for (var i = 0; i < rows; i++)
        {
            sensitive[i] = random.NextDouble() < 0.7 ? 0 : 1;
            noise[i] = random.NextDouble();
            label[i] = random.NextDouble() < 0.95 ? sensitive[i] : 1 - sensitive[i];
        }

        var data = new TabularDataset(
            "planted",
            [new("group", AttributeKind.Nominal, ["a", "b"]), new("noise", AttributeKind.Numeric, []), new("class", AttributeKind.Nominal, ["no", "yes"])],
            rows,
            [[], noise, []],
            [sensitive, [], label]);

        var result = AttributeInference.Run(data, "class", "group");

        Assert.InRange(result.BaselineAccuracy, 0.6, 0.8);
        Assert.True(result.MemberAccuracy > 0.9, $"member accuracy {result.MemberAccuracy:P1}");
        Assert.True(result.Advantage > 0.15);
    }

    [Fact]
    public void On_german_credit_sex_and_foreign_worker_status_are_measured_against_guessing()
    {
        var data = TabularData.Credit();
        foreach (var sensitive in new[] { "personal_status", "foreign_worker" })
        {
            var result = AttributeInference.Run(data, "class", sensitive);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{sensitive}: members {result.MemberAccuracy:P1}, non-members {result.NonMemberAccuracy:P1}, most-common-value baseline {result.BaselineAccuracy:P1}, advantage {result.Advantage:+0.0%;-0.0%}");
            Assert.InRange(result.MemberAccuracy, 0, 1);
            Assert.InRange(result.Advantage, -0.2, 0.1);
        }

        Assert.Throws<ArgumentException>(() => AttributeInference.Run(data, "class", "age"));
        Assert.Throws<ArgumentException>(() => AttributeInference.Run(data, "class", "class"));
    }
}
