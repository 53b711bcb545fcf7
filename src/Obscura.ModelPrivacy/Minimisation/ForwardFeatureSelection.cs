using Obscura.ModelPrivacy.Data;
using Obscura.ModelPrivacy.Learning;

namespace Obscura.ModelPrivacy.Minimisation;

/// <summary>
/// Data minimisation by feature selection (ICO guidance on AI and data minimisation): greedy forward selection with
/// stratified cross-validation. Starting from no feature, each step adds the column that raises the held-out accuracy
/// most; selection stops at the first set whose accuracy reaches the requirement, which is therefore the smallest
/// prefix of the greedy order that does. Greedy search is not exhaustive: a smaller set outside that order may exist.
/// </summary>
public static class ForwardFeatureSelection
{
    /// <summary>Runs the selection; <paramref name="progress"/> receives each step as it is chosen.</summary>
    /// <exception cref="ArgumentException">The target is not a binary nominal column, or the requirement is not in (0, 1].</exception>
    public static FeatureSelectionResult Run(
        TabularDataset data, string target, double requiredAccuracy, int folds = 5, int seed = 1, IProgress<FeatureSelectionStep>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(requiredAccuracy > 0 && requiredAccuracy <= 1))
        {
            throw new ArgumentException("The required accuracy is in (0, 1].", nameof(requiredAccuracy));
        }

        var targetIndex = data.IndexOf(target);
        var cv = new CrossValidation(data, targetIndex, folds, seed);
        var candidates = Enumerable.Range(0, data.Attributes.Count).Where(i => i != targetIndex).ToList();
        var all = cv.Accuracy(candidates);
        var chosen = new List<int>();
        var steps = new List<FeatureSelectionStep>();
        var reached = cv.MajorityShare >= requiredAccuracy;
        while (!reached && candidates.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var scores = new double[candidates.Count];
            Parallel.For(0, candidates.Count, new ParallelOptions { CancellationToken = cancellationToken }, i => scores[i] = cv.Accuracy([.. chosen, candidates[i]]));

            // Ties go to the earlier column, so the result does not depend on thread timing.
            var best = 0;
            for (var i = 1; i < scores.Length; i++)
            {
                if (scores[i] > scores[best])
                {
                    best = i;
                }
            }

            chosen.Add(candidates[best]);
            candidates.RemoveAt(best);
            var step = new FeatureSelectionStep(data.Attributes[chosen[^1]].Name, scores[best]);
            steps.Add(step);
            progress?.Report(step);
            reached = step.Accuracy >= requiredAccuracy;
        }

        var names = chosen.Select(i => data.Attributes[i].Name).ToList();
        return new FeatureSelectionResult(
            data.Name,
            target,
            cv.RowCount,
            folds,
            requiredAccuracy,
            cv.MajorityShare,
            data.Attributes.Count - 1,
            all,
            steps,
            reached ? names : null)
        {
            Dropped = reached ? [.. data.Attributes.Where((a, i) => i != targetIndex && !names.Contains(a.Name)).Select(a => a.Name)] : [],
        };
    }
}
