namespace Obscura.StoreAnalytics.GroupIds;

/// <summary>
/// Enforces the minimum group size k within one time band before anything leaves the edge: an ID seen fewer than k
/// times is merged into its shorter prefix (the bits are dropped from the end, so "0110" joins "011"), level by level,
/// until its group holds at least k entries; entries still in a group of fewer than k at the empty prefix are
/// suppressed. The edge passes one entry per visit, so every published ID stands for at least k visits of the band.
/// </summary>
public static class MinimumGroupSize
{
    /// <summary>The published ID of each entry, or null where it is suppressed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">k is below 1.</exception>
    public static GroupId?[] Apply(IReadOnlyList<GroupId> ids, int k)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var published = new GroupId?[ids.Count];
        var open = Enumerable.Range(0, ids.Count).ToList();
        var longest = ids.Count == 0 ? 0 : ids.Max(i => i.Length);
        for (var length = longest; length >= 0 && open.Count > 0; length--)
        {
            var groups = open.Where(i => ids[i].Length >= length).GroupBy(i => ids[i].Prefix(length)).ToList();
            foreach (var group in groups.Where(g => g.Count() >= k))
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
