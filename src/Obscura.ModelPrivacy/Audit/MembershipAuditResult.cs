namespace Obscura.ModelPrivacy.Audit;

/// <summary>One attack's figures on the target model.</summary>
public sealed record AttackFigures(string Attack, double Auc, double TprAtFpr0001, double TprAtFpr001, RocCurve Roc);

/// <summary>A record the attack is most sure is a member, with its LiRA statistic.</summary>
public sealed record ExposedRecord(int Index, int Label, double Score, bool IsMember);

/// <summary>
/// The outcome of <see cref="MembershipAudit"/>: the target's train and test accuracy (the generalisation gap), each
/// attack's AUC and TPR at 0.1 % and 1 % FPR, the most exposed records, what a DP-SGD recipe's training costs, and a
/// plain-language verdict.
/// </summary>
/// <param name="PoolSize">Records audited.</param>
/// <param name="Shadows">Shadow models trained.</param>
/// <param name="TargetTrainAccuracy">The target's accuracy on its training half.</param>
/// <param name="TargetTestAccuracy">The target's accuracy on the other half.</param>
/// <param name="Attacks">Each attack's figures: LiRA online, LiRA offline, the loss baseline.</param>
/// <param name="MostExposed">The ten records LiRA online is surest are members.</param>
/// <param name="Privacy">
/// For a DP-SGD recipe, the ε at <see cref="MembershipAudit.Delta"/> that training the target (on half the pool) is
/// charged to a privacy budget: the tighter of the PLD and RDP accountants, as <c>obscura train</c> charges it, with
/// the accountant that gave it and both figures; null for a recipe without privacy.
/// </param>
/// <param name="Verdict">A plain-language verdict for a DPO.</param>
public sealed record MembershipAuditResult(
    int PoolSize,
    int Shadows,
    double TargetTrainAccuracy,
    double TargetTestAccuracy,
    IReadOnlyList<AttackFigures> Attacks,
    IReadOnlyList<ExposedRecord> MostExposed,
    Obscura.Privacy.Accounting.AccountedEpsilon? Privacy,
    string Verdict);
