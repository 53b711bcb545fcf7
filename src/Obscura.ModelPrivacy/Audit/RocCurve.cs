namespace Obscura.ModelPrivacy.Audit;

/// <summary>
/// The ROC of a membership score (higher means "member"): AUC, and the true-positive rate at a fixed false-positive
/// rate, the figure Carlini et al. (2022) argue matters (an attack that is confident about a few records), not AUC.
/// </summary>
public sealed class RocCurve
{
    private readonly double[] _members;
    private readonly double[] _nonMembers;

    /// <summary>Scores of known members and known non-members.</summary>
    /// <exception cref="ArgumentException">Either list is empty or holds a non-finite score.</exception>
    public RocCurve(IEnumerable<double> members, IEnumerable<double> nonMembers)
    {
        _members = [.. members.Order()];
        _nonMembers = [.. nonMembers.Order()];
        if (_members.Length == 0 || _nonMembers.Length == 0 || _members.Concat(_nonMembers).Any(s => !double.IsFinite(s)))
        {
            throw new ArgumentException("Scores of at least one member and one non-member, all finite.");
        }
    }

    /// <summary>Members scored.</summary>
    public int MemberCount => _members.Length;

    /// <summary>Non-members scored.</summary>
    public int NonMemberCount => _nonMembers.Length;

    /// <summary>The probability that a random member outscores a random non-member (ties count half).</summary>
    public double Auc
    {
        get
        {
            double wins = 0;
            int below = 0, equal = 0;
            foreach (var m in _members)
            {
                while (below < _nonMembers.Length && _nonMembers[below] < m)
                {
                    below++;
                }

                equal = below;
                while (equal < _nonMembers.Length && _nonMembers[equal] == m)
                {
                    equal++;
                }

                wins += below + (0.5 * (equal - below));
            }

            return wins / ((double)_members.Length * _nonMembers.Length);
        }
    }

    /// <summary>
    /// The share of members flagged at the strictest threshold that flags at most <paramref name="falsePositiveRate"/>
    /// of the non-members (a score strictly above the threshold is flagged).
    /// </summary>
    public double TruePositiveRateAt(double falsePositiveRate)
    {
        if (!(falsePositiveRate >= 0 && falsePositiveRate <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(falsePositiveRate));
        }

        var allowed = (int)Math.Floor(falsePositiveRate * _nonMembers.Length);
        var threshold = allowed >= _nonMembers.Length ? double.NegativeInfinity : _nonMembers[_nonMembers.Length - 1 - allowed];
        var flagged = _members.Length - UpperBound(_members, threshold);
        return flagged / (double)_members.Length;
    }

    /// <summary>The curve as (FPR, TPR) points at every distinct non-member score, for plotting on log axes.</summary>
    public IReadOnlyList<(double FalsePositiveRate, double TruePositiveRate)> Points()
    {
        var points = new List<(double, double)> { (0, TruePositiveRateAt(0)) };
        for (var k = 1; k <= _nonMembers.Length; k++)
        {
            var fpr = k / (double)_nonMembers.Length;
            points.Add((fpr, TruePositiveRateAt(fpr)));
        }

        return points;
    }

    private static int UpperBound(double[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
