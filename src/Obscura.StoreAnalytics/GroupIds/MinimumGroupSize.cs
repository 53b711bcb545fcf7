namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// Enforces the minimum group size k within one time band before anything leaves the edge: an ID seen fewer than k
/// times is merged into its shorter prefix (the bits are dropped from the end, so "0110" joins "011"), level by level,
/// until its group holds at least k entries; entries still in a group of fewer than k at the empty prefix are
/// suppressed. The edge passes one entry per visit with the person each visit was matched to, and a group counts its
/// distinct people, so every published ID stands for at least k different faces of the band (as far as the tracker
/// tells faces apart), not one face seen k times.
/// </summary>
public static class MinimumGroupSize
{
    /// <summary>The published ID of each entry, or null where it is suppressed; every entry counts as a different person.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k is below 1.</exception>
    public static GroupId?[] Apply(IReadOnlyList<GroupId> ids, int k)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Apply(ids, [.. Enumerable.Range(0, ids.Count)], k);
    }

    /// <summary>
    /// The published ID of each entry, or null where it is suppressed, where <paramref name="people"/>[i] names the person
    /// entry i belongs to and a group needs k different people.
    /// </summary>
    /// <exception cref="ArgumentException">The two lists differ in length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">k is below 1.</exception>
    public static GroupId?[] Apply(IReadOnlyList<GroupId> ids, IReadOnlyList<int> people, int k)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(people);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (people.Count != ids.Count)
        {
            throw new ArgumentException("Give one person per entry.", nameof(people));
        }

        var published = new GroupId?[ids.Count];
        var open = Enumerable.Range(0, ids.Count).ToList();
        var longest = ids.Count == 0 ? 0 : ids.Max(i => i.Length);
        for (var length = longest; length >= 0 && open.Count > 0; length--)
        {
            var groups = open.Where(i => ids[i].Length >= length).GroupBy(i => ids[i].Prefix(length)).ToList();
            foreach (var group in groups.Where(g => g.Select(i => people[i]).Distinct().Count() >= k))
            {
                foreach (var i in group)
                {
                    published[i] = group.Key;
                }
            }

            open.RemoveAll(i => published[i] is not null);
        }

        return published;
    }
}
