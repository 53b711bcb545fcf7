using Obscura.ModelPrivacy.Training;

namespace Obscura.ModelPrivacy.Audit;

/// <summary>
/// How a membership-inference audit is run: a pool of records, a target model trained on a random half of it, and
/// shadow models each trained on its own random half, all with the same architecture and <see cref="Training"/>.
/// </summary>
public sealed record MembershipAuditOptions
{
    /// <summary>Records in the pool (the first this many of the data).</summary>
    public int PoolSize { get; init; } = 2000;

    /// <summary>Shadow models (LiRA); each record is in about half of them.</summary>
    public int Shadows { get; init; } = 16;

    /// <summary>Hidden units of the models audited (0: logistic regression).</summary>
    public int Hidden { get; init; } = 128;

    /// <summary>How the target and the shadows are trained (with a noise multiplier: DP-SGD).</summary>
    public TrainingOptions Training { get; init; } = new() { Epochs = 60, BatchSize = 32, LearningRate = 0.1f };

    /// <summary>
    /// What the attacker sees of each model's answer: null for the exact logits (the audit of the model itself), or a
    /// serving <see cref="Serving.OutputPolicy"/>, applied to the target and to the attacker's shadows alike (the
    /// attacker knows the policy), to audit the model as the hardened API releases it.
    /// </summary>
    public Serving.OutputPolicy? Release { get; init; }

    /// <summary>Seed of the splits and of every model's initialisation and sampling (an audit, not a release).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public MembershipAuditOptions Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(PoolSize, 20, nameof(PoolSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(Shadows, 4, nameof(Shadows));
        ArgumentOutOfRangeException.ThrowIfNegative(Hidden, nameof(Hidden));
        ArgumentNullException.ThrowIfNull(Training);
        Training.Validate();
        return this;
    }
}
