using System.Globalization;
using System.Text.RegularExpressions;
using Obscura.Governance.Consent;
using Obscura.Governance.Purposes;
using Obscura.Governance.Records;

namespace Obscura.Server.Console.Pages;

/// <summary>Words for the enums the pages show: the enum member split into words, with its legal provision where it has one.</summary>
internal static partial class Display
{
    public static string Words<T>(T value)
        where T : struct, Enum =>
        Split().Replace(value.ToString(), " $1").ToLower(CultureInfo.InvariantCulture).Trim();

    public static string Basis(LawfulBasis basis) => $"{Words(basis)} ({Provisions.Of(basis)})";

    public static string Condition(SpecialCategoryCondition condition) =>
        Provisions.Of(condition) is { } provision ? $"{Words(condition)} ({provision})" : "none (no special-category data)";

    public static string Reason(DenialReason reason) => Words(reason);

    public static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex("([A-Z])")]
    private static partial Regex Split();
}
