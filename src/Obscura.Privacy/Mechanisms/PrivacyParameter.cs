using Obscura.Privacy.Accounting;

namespace Obscura.Privacy.Mechanisms;

/// <summary>
/// How much privacy one release may spend: ε for pure DP (discrete Laplace noise) or ρ for zCDP (discrete Gaussian
/// noise). Both are exact rationals, so the noise scale is exact.
/// </summary>
public sealed record PrivacyParameter
{
    private PrivacyParameter(Rational value, bool concentrated)
    {
        if (value.Numerator == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "The privacy parameter is positive.");
        }

        Value = value;
        Concentrated = concentrated;
    }

    /// <summary>ε or ρ.</summary>
    public Rational Value { get; }

    /// <summary>True for zCDP (ρ, discrete Gaussian), false for pure DP (ε, discrete Laplace).</summary>
    public bool Concentrated { get; }

    /// <summary>Pure ε-DP.</summary>
    public static PrivacyParameter Epsilon(Rational epsilon) => new(epsilon, false);

    /// <summary>ρ-zCDP.</summary>
    public static PrivacyParameter Rho(Rational rho) => new(rho, true);

    /// <summary>The cost this parameter stands for.</summary>
    public PrivacyCost Cost => Concentrated ? new PrivacyCost.Zcdp(Value) : new PrivacyCost.Pure(Value);

    /// <summary>This parameter split in <paramref name="parts"/> equal shares (composition gives it back).</summary>
    public PrivacyParameter Split(ulong parts) => new(Rational.Of(Value.Numerator, checked(Value.Denominator * parts)), Concentrated);

    /// <inheritdoc />
    public override string ToString() => Concentrated ? $"ρ = {Value}" : $"ε = {Value}";
}
