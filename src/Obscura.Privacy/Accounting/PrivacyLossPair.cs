namespace Obscura.Privacy.Accounting;

/// <summary>
/// The two pessimistic privacy-loss distributions of a mechanism under add/remove-one neighbours: <see cref="Remove"/>
/// for (M(D), M(D − x)) and <see cref="Add"/> for (M(D), M(D + x)). A neighbouring pair is one or the other for every
/// step of a composition, so each is composed on its own and the guarantee is the worse of the two (Zhu, Dong and
/// Wang 2022, "Optimal accounting of differential privacy via characteristic function", Sec. 5).
/// </summary>
/// <param name="Remove">The distribution of the loss when the neighbour lacks one record.</param>
/// <param name="Add">The distribution of the loss when the neighbour has one more record.</param>
public sealed record PrivacyLossPair(PrivacyLossDistribution Remove, PrivacyLossDistribution Add)
{
    /// <summary>The larger of the two ε(δ): the smallest ε with both curves at or below δ.</summary>
    /// <param name="delta">δ, strictly between 0 and 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">δ is not strictly between 0 and 1.</exception>
    public double EpsilonFor(double delta) => Math.Max(Remove.EpsilonFor(delta), Add.EpsilonFor(delta));

    /// <summary>The larger of the two δ(ε).</summary>
    /// <param name="epsilon">ε, finite.</param>
    /// <exception cref="ArgumentOutOfRangeException">ε is not finite.</exception>
    public double DeltaFor(double epsilon) => Math.Max(Remove.DeltaFor(epsilon), Add.DeltaFor(epsilon));

    /// <summary>This mechanism followed by <paramref name="other"/>: each direction convolved with its counterpart.</summary>
    public PrivacyLossPair Compose(PrivacyLossPair other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Remove.Compose(other.Remove), Add.Compose(other.Add));
    }

    /// <summary>This mechanism composed with itself <paramref name="times"/> times.</summary>
    public PrivacyLossPair ComposeSelf(long times) => new(Remove.ComposeSelf(times), Add.ComposeSelf(times));
}
