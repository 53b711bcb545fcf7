using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Learning;

/// <summary>
/// Stratified k-fold cross-validation of L2-penalised logistic regression on a binary nominal target: the folds are
/// drawn once from a seed, so every feature set is scored on the same splits.
/// </summary>
public sealed class CrossValidation
{
    private readonly TabularDataset _data;
    private readonly int[] _labels;
    private readonly int[][] _folds;

    /// <summary>Prepares <paramref name="folds"/> stratified folds of the rows whose target is known.</summary>
    /// <exception cref="ArgumentException">The target is not a nominal column with exactly two categories, or a class has fewer rows than folds.</exception>
    public CrossValidation(TabularDataset data, int target, int folds = 5, int seed = 1, double penalty = 1.0)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        var attribute = data.Attributes[target];
        if (attribute.Kind != AttributeKind.Nominal || attribute.Categories.Count != 2)
        {
            throw new ArgumentException($"The target '{attribute.Name}' must be a nominal column with two categories.", nameof(target));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        Target = target;
        Penalty = penalty;
        var labels = data.Nominal(target).ToArray();
        _labels = labels;
        var random = new Random(seed);
        var byClass = Enumerable.Range(0, 2).Select(c => Enumerable.Range(0, data.RowCount).Where(r => labels[r] == c).ToArray()).ToArray();
        if (byClass.Any(rows => rows.Length < folds))
        {
            throw new ArgumentException($"Each class of '{attribute.Name}' needs at least {folds} rows for {folds}-fold cross-validation.", nameof(folds));
        }

        var assignment = new List<int>[folds];
        for (var f = 0; f < folds; f++)
        {
            assignment[f] = [];
        }

        foreach (var rows in byClass)
        {
            random.Shuffle(rows);
            for (var i = 0; i < rows.Length; i++)
            {
                assignment[i % folds].Add(rows[i]);
            }
        }

        _folds = [.. assignment.Select(a => a.Order().ToArray())];
        RowCount = byClass.Sum(rows => rows.Length);
        MajorityShare = byClass.Max(rows => rows.Length) / (double)RowCount;
    }

    /// <summary>The target column.</summary>
    public int Target { get; }

    /// <summary>The L2 penalty of every fit.</summary>
    public double Penalty { get; }

    /// <summary>Rows with a known target.</summary>
    public int RowCount { get; }

    /// <summary>The share of the larger class: the accuracy of always predicting it.</summary>
    public double MajorityShare { get; }

    /// <summary>The mean held-out accuracy over the folds of a model on <paramref name="columns"/> (the intercept alone when empty).</summary>
    public double Accuracy(IReadOnlyList<int> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Contains(Target))
        {
            throw new ArgumentException("The target cannot be a feature.", nameof(columns));
        }

        var correct = 0;
        for (var f = 0; f < _folds.Length; f++)
        {
            var training = _folds.Where((_, i) => i != f).SelectMany(rows => rows).ToArray();
            var design = new DesignMatrix(_data, columns, training);
            var model = LogisticRegression.Fit(design.Encode(training), training.Select(r => _labels[r]).ToArray(), Penalty);
            var row = new double[design.Width];
            foreach (var r in _folds[f])
            {
                design.Encode(r, row);
                var predicted = model.Probability(row) >= 0.5 ? 1 : 0;
                if (predicted == _labels[r])
                {
                    correct++;
                }
            }
        }

        return correct / (double)RowCount;
    }
}
