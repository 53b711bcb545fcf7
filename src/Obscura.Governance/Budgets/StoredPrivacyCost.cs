using System.Globalization;
using Obscura.Privacy;
using Obscura.Privacy.Accounting;

namespace Obscura.Governance.Budgets;

/// <summary>
/// How a <see cref="PrivacyCost"/> is written into a <see cref="PrivacyCharge"/> and an audit reference, and read back
/// exactly: pure ε and zCDP ρ as exact fractions (<c>eps:1/2</c>, <c>rho:1/100</c>); the Poisson-subsampled Gaussian as
/// <c>sgm:q_…:sigma_…:steps_…</c>, its doubles in shortest round-trip form, so the re-read cost (and the ε the budget
/// has spent) is bit for bit the one charged.
/// </summary>
internal static class StoredPrivacyCost
{
    private const string SubsampledGaussianPrefix = "sgm:";

    /// <summary>The charge row's fields for <paramref name="cost"/>.</summary>
    /// <exception cref="ArgumentException">A cost kind the store cannot hold.</exception>
    public static (bool Concentrated, Rational Value, string? Mechanism) Parts(PrivacyCost cost) => cost switch
    {
        PrivacyCost.Pure p => (false, p.Epsilon, null),
        PrivacyCost.Zcdp z => (true, z.Rho, null),
        PrivacyCost.SubsampledGaussian g => (false, Rational.Of(0, 1), Describe(g)),
        _ => throw new ArgumentException("Unknown cost kind.", nameof(cost)),
    };

    /// <summary>The audit-ledger reference of <paramref name="cost"/> (a ledger token).</summary>
    public static string Reference(PrivacyCost cost)
    {
        var (concentrated, value, mechanism) = Parts(cost);
        return mechanism ?? string.Create(CultureInfo.InvariantCulture, $"{(concentrated ? "rho" : "eps")}:{value.Numerator}/{value.Denominator}");
    }

    /// <summary>The cost a stored charge stands for.</summary>
    /// <exception cref="InvalidDataException">The mechanism column is not one this build writes.</exception>
    public static PrivacyCost Read(PrivacyCharge charge)
    {
        if (charge.Mechanism is null)
        {
            var value = Rational.Of(charge.Numerator, charge.Denominator);
            return charge.Concentrated ? new PrivacyCost.Zcdp(value) : new PrivacyCost.Pure(value);
        }

        return TryParseSubsampledGaussian(charge.Mechanism) ?? throw new InvalidDataException("A stored privacy charge names a mechanism this build of Obscura does not know; upgrade Obscura.");
    }

    private static string Describe(PrivacyCost.SubsampledGaussian g) => string.Create(
        CultureInfo.InvariantCulture,
        $"{SubsampledGaussianPrefix}q_{Number(g.SamplingRate)}:sigma_{Number(g.NoiseMultiplier)}:steps_{g.Steps}");

    // "R" is the shortest string that parses back to the same double; "+" would not be a ledger token, and "E" alone parses the same.
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture).Replace("E+", "E", StringComparison.Ordinal);

    private static PrivacyCost.SubsampledGaussian? TryParseSubsampledGaussian(string text)
    {
        if (!text.StartsWith(SubsampledGaussianPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var fields = text[SubsampledGaussianPrefix.Length..].Split(':');
        if (fields.Length != 3
            || !fields[0].StartsWith("q_", StringComparison.Ordinal)
            || !fields[1].StartsWith("sigma_", StringComparison.Ordinal)
            || !fields[2].StartsWith("steps_", StringComparison.Ordinal)
            || !double.TryParse(fields[0].AsSpan(2), NumberStyles.Float, CultureInfo.InvariantCulture, out var q)
            || !double.TryParse(fields[1].AsSpan(6), NumberStyles.Float, CultureInfo.InvariantCulture, out var sigma)
            || !long.TryParse(fields[2].AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var steps))
        {
            return null;
        }

        try
        {
            var cost = new PrivacyCost.SubsampledGaussian(q, sigma, steps);
            return Describe(cost) == text ? cost : null; // canonical form only
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
