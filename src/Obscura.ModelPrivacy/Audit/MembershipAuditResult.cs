namespace Obscura.ModelPrivacy.Audit;

/// <summary>One attack's figures on the target model.</summary>
public sealed record AttackFigures(string Attack, double Auc, double TprAtFpr0001, double TprAtFpr001, RocCurve Roc);

/// <summary>A record the attack is most sure is a member, with its LiRA statistic.</summary>
public sealed record ExposedRecord(int Index, int Label, double Score, bool IsMember);

/// <summary>
/// The outcome of <see cref="MembershipAudit"/>: the target's train and test accuracy (the generalisation gap), each
/// attack's AUC and TPR at 0.1 % and 1 % FPR, the most exposed records, and a plain-language verdict.
/// </summary>
public sealed record MembershipAuditResult(
    int PoolSize,
    int Shadows,
    double TargetTrainAccuracy,
    double TargetTestAccuracy,
    IReadOnlyList<AttackFigures> Attacks,
    IReadOnlyList<ExposedRecord> MostExposed,
    string Verdict);
