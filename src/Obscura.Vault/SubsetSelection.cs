using System.Security.Cryptography;
using System.Text;

namespace Obscura.Vault;

/// <summary>An eligible record as the selection sees it: its id and the stratum it falls in.</summary>
public readonly record struct SelectionCandidate(string ObjectId, string Stratum);

/// <summary>
/// Deterministic, stratified subset selection. The total is round(fraction × eligible), capped by the maximum; each
/// stratum gets its proportional share by the largest-remainder method, so the total is exact and no stratum is off by
/// more than one from its proportional share. Within a stratum, records are ranked by SHA-256(seed ‖ id) and the
/// lowest ranks are taken. The result depends only on the seed (the policy's purpose and version) and the candidates,
/// not on their order, so a selection can be reproduced by anyone holding the same inputs.
/// </summary>
public static class SubsetSelection
{
    /// <summary>The number of records a policy selects from <paramref name="eligible"/> candidates.</summary>
    public static int TargetCount(int eligible, double fraction, int? maxRecords)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(eligible);
        var target = (int)Math.Round(fraction * eligible, MidpointRounding.AwayFromZero);
        return maxRecords is { } max ? Math.Min(target, max) : target;
    }

    /// <summary>Selects the subset; returns the chosen ids in ascending ordinal order.</summary>
    /// <exception cref="ArgumentException">The fraction is not in (0, 1], the maximum is negative, or ids repeat.</exception>
    public static IReadOnlyList<string> Choose(IEnumerable<SelectionCandidate> candidates, double fraction, int? maxRecords, string seed)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(seed);
        if (!(fraction > 0 && fraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The fraction lies in (0, 1].");
        }

        if (maxRecords is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxRecords), maxRecords, "The maximum is not negative.");
        }

        var all = candidates.ToArray();
        if (all.Select(c => c.ObjectId).Distinct(StringComparer.Ordinal).Count() != all.Length)
        {
            throw new ArgumentException("Each candidate appears once.", nameof(candidates));
        }

        var target = TargetCount(all.Length, fraction, maxRecords);
        var strata = all.GroupBy(c => c.Stratum, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        var quotas = new int[strata.Length];
        var remainders = new (double Remainder, int Index)[strata.Length];
        for (var s = 0; s < strata.Length; s++)
        {
            var exact = (double)target * strata[s].Count() / all.Length;
            quotas[s] = (int)Math.Floor(exact);
            remainders[s] = (exact - quotas[s], s);
        }

        foreach (var (_, index) in remainders.OrderByDescending(r => r.Remainder).ThenBy(r => r.Index).Take(target - quotas.Sum()))
        {
            quotas[index]++;
        }

        var seedBytes = Encoding.UTF8.GetBytes(seed + "\n");
        var chosen = new List<string>(target);
        for (var s = 0; s < strata.Length; s++)
        {
            chosen.AddRange(strata[s]
                .Select(c => (c.ObjectId, Rank: Rank(seedBytes, c.ObjectId)))
                .OrderBy(r => r.Rank, StringComparer.Ordinal)
                .ThenBy(r => r.ObjectId, StringComparer.Ordinal)
                .Take(quotas[s])
                .Select(r => r.ObjectId));
        }

        chosen.Sort(StringComparer.Ordinal);
        return chosen;
    }

    private static string Rank(byte[] seed, string id)
    {
        var input = new byte[seed.Length + Encoding.UTF8.GetByteCount(id)];
        seed.CopyTo(input, 0);
        Encoding.UTF8.GetBytes(id, input.AsSpan(seed.Length));
        return Convert.ToHexString(SHA256.HashData(input));
    }
}
