namespace Obscura.ModelPrivacy.Serving;

/// <summary>What the query monitor suspects of a key.</summary>
public enum AlertKind
{
    /// <summary>Model extraction: PRADA's minimum-distance distribution is not normal (synthetic queries).</summary>
    Extraction = 1,

    /// <summary>Membership probing: many near-duplicates of earlier queries.</summary>
    MembershipProbing,

    /// <summary>Boundary probing: many queries near the decision boundary.</summary>
    BoundaryProbing,

    /// <summary>
    /// The key has had all the answers with scores its score budget allows (<see cref="QueryMonitorOptions.ScoreAnswerShare"/>);
    /// it gets labels only from now on. Not a suspicion but a limit reached: raised once, when it is first reached.
    /// </summary>
    ScoreBudget,
}
