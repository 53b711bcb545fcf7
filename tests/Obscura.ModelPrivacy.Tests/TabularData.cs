using Obscura.ModelPrivacy.Data;

namespace Obscura.ModelPrivacy.Tests;

/// <summary>The committed German Credit data (tests/Obscura.TestSupport/data/tabular/SOURCES.md).</summary>
internal static class TabularData
{
    public static string CreditPath => Path.Combine(AppContext.BaseDirectory, "data", "tabular", "credit-g.arff");

    public static TabularDataset Credit() => ArffReader.Read(CreditPath);
}
