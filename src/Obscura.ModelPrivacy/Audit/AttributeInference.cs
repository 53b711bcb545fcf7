using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Learning;

namespace Obscura.ModelPrivacy.Audit;

/// <summary>What attribute inference achieved, against guessing the most common value.</summary>
/// <param name="Sensitive">The column the attacker infers.</param>
/// <param name="Categories">Its categories.</param>
/// <param name="MemberAccuracy">Share of training records whose value the attack recovers.</param>
/// <param name="NonMemberAccuracy">The same on records the model never saw.</param>
/// <param name="BaselineAccuracy">Share recovered by always guessing the training half's most common value.</param>
public sealed record AttributeInferenceResult(string Sensitive, IReadOnlyList<string> Categories, double MemberAccuracy, double NonMemberAccuracy, double BaselineAccuracy)
{
    /// <summary>How much better than the baseline the attack does on training records (0 or less: nothing revealed).</summary>
    public double Advantage => MemberAccuracy - BaselineAccuracy;
}

/// <summary>
/// Model-inversion style attribute inference (Fredrikson et al. 2014, as Yeom et al. 2018 frame it): an attacker who
/// knows a record's other columns and its label queries the model with each possible value of a sensitive column and
/// takes the value that makes the true label most likely, weighted by the value's prior. The model is L2 logistic
/// regression trained on a random half of the records with every column as a feature; the attack is scored on that
/// half (members) and on the other (non-members), against always guessing the most common value.
/// </summary>
public static class AttributeInference
{
    /// <summary>Runs the attack.</summary>
    /// <exception cref="ArgumentException">The target is not binary nominal, the sensitive column is not nominal, or they are the same.</exception>
    public static AttributeInferenceResult Run(TabularDataset data, string target, string sensitive, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        var targetIndex = data.IndexOf(target);
        var sensitiveIndex = data.IndexOf(sensitive);
        if (targetIndex == sensitiveIndex || data.Attributes[sensitiveIndex].Kind != AttributeKind.Nominal)
        {
            throw new ArgumentException($"'{sensitive}' must be a nominal column other than the target.", nameof(sensitive));
        }

        if (data.Attributes[targetIndex].Kind != AttributeKind.Nominal || data.Attributes[targetIndex].Categories.Count != 2)
        {
            throw new ArgumentException($"The target '{target}' must be a nominal column with two categories.", nameof(target));
        }

        var labels = data.Nominal(targetIndex).ToArray();
        var truth = data.Nominal(sensitiveIndex).ToArray();
        var usable = Enumerable.Range(0, data.RowCount).Where(r => labels[r] >= 0 && truth[r] >= 0).ToArray();
        new Random(seed).Shuffle(usable);
        var members = usable[..(usable.Length / 2)];
        var others = usable[(usable.Length / 2)..];
        var features = Enumerable.Range(0, data.Attributes.Count).Where(i => i != targetIndex).ToList();
        var design = new DesignMatrix(data, features, members);
        var model = LogisticRegression.Fit(design.Encode(members), [.. members.Select(r => labels[r])]);

        var categories = data.Attributes[sensitiveIndex].Categories;
        var prior = new double[categories.Count];
        foreach (var r in members)
        {
            prior[truth[r]]++;
        }

        var mostCommon = Array.IndexOf(prior, prior.Max());
        for (var c = 0; c < prior.Length; c++)
        {
            prior[c] = (prior[c] + 1) / (members.Length + prior.Length);
        }

        var row = new double[design.Width];
        double Accuracy(int[] records)
        {
            var correct = 0;
            foreach (var r in records)
            {
                var best = -1;
                var bestScore = double.NegativeInfinity;
                for (var c = 0; c < categories.Count; c++)
                {
                    design.Encode(r, row, sensitiveIndex, c);
                    var p = model.Probability(row);
                    var likelihood = labels[r] == 1 ? p : 1 - p;
                    var score = Math.Log(Math.Max(likelihood, 1e-300)) + Math.Log(prior[c]);
                    if (score > bestScore)
                    {
                        bestScore = score;
                        best = c;
                    }
                }

                if (best == truth[r])
                {
                    correct++;
                }
            }

            return correct / (double)records.Length;
        }

        return new AttributeInferenceResult(
            sensitive,
            categories,
            Accuracy(members),
            Accuracy(others),
            members.Count(r => truth[r] == mostCommon) / (double)members.Length);
    }
}
