namespace Obscura.ModelPrivacy.Serving;

/// <summary>
/// Thresholds of the <see cref="QueryMonitor"/>. The defaults were chosen on the committed Fashion-MNIST cut against
/// a logistic regression, over 40 random projections of 256 dimensions: 900 real test images keep PRADA's W between
/// 0.946 and 0.974 from 200 queries on (8 % of them within the boundary margin), and the synthetic extraction replay
/// of <c>ModelApiAttackTests</c> between 0.846 and 0.881; the threshold 0.915 is about four standard deviations of
/// the projection's spread from either.
/// </summary>
public sealed record QueryMonitorOptions
{
    /// <summary>How many of a key's latest queries are kept (as sketches) and examined.</summary>
    public int Window { get; init; } = 1000;

    /// <summary>Dimensions of the random projection each query is kept as (inputs with fewer are kept whole).</summary>
    public int SketchDimensions { get; init; } = 256;

    /// <summary>Queries with a minimum distance before PRADA's normality test and the boundary share are evaluated.</summary>
    public int MinQueries { get; init; } = 200;

    /// <summary>PRADA flags extraction when the Shapiro–Wilk W of the minimum distances falls below this.</summary>
    public double NormalityThreshold { get; init; } = 0.915;

    /// <summary>A query within this root-mean-square distance per input of an earlier one is a near-duplicate.</summary>
    public double NearDuplicateRms { get; init; } = 0.02;

    /// <summary>Near-duplicate queries in the window that flag membership probing.</summary>
    public int NearDuplicateLimit { get; init; } = 10;

    /// <summary>A query whose top two probabilities differ by less than this lies near the decision boundary.</summary>
    public double BoundaryMargin { get; init; } = 0.1;

    /// <summary>Share of the window's queries near the boundary that flags boundary probing.</summary>
    public double BoundaryShare { get; init; } = 0.3;

    /// <summary>
    /// The share of <c>inputs + 1</c> answers with scores one key may have of one model; after that it gets labels only.
    /// PRADA tests the shape of a key's query distances, which an attacker who knows the test can choose; this budget
    /// counts answers, which he cannot. A model whose class log-odds are linear in its input (logistic regression) is
    /// solved exactly from <c>inputs + 1</c> answers with scores, whatever the queries look like (Tramèr et al. 2016,
    /// equation solving); a larger model of the same input size whose first layer reads every input needs at least as
    /// many unknowns solved. The default 0.1 lets a key see scores for a tenth of that (78 answers for a 784-pixel image);
    /// at 1 or more the budget no longer stops equation solving on a linear model.
    /// </summary>
    public double ScoreAnswerShare { get; init; } = 0.1;

    /// <summary>The most answers with scores one key may have of a model with <paramref name="inputs"/> inputs.</summary>
    public long ScoreBudget(int inputs) => Math.Max(1, (long)Math.Floor(ScoreAnswerShare * (inputs + 1.0)));

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public QueryMonitorOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Window, 10, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Window, 5000, nameof(Window));
        ArgumentOutOfRangeException.ThrowIfLessThan(SketchDimensions, 8, nameof(SketchDimensions));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinQueries, 3, nameof(MinQueries));
        if (!(NormalityThreshold is > 0 and < 1) || !(NearDuplicateRms >= 0) || !(BoundaryMargin is >= 0 and <= 1) || !(BoundaryShare is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(NormalityThreshold), "Thresholds are shares or distances in range.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(NearDuplicateLimit, 1, nameof(NearDuplicateLimit));
        if (!(ScoreAnswerShare is > 0 and <= 1e6))
        {
            throw new ArgumentOutOfRangeException(nameof(ScoreAnswerShare), "The score budget is a positive share (at most 1e6) of the answers that solve a linear model.");
        }

        return this;
    }
}
