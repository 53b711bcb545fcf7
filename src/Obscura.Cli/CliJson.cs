using System.Text.Json;

namespace Obscura.Cli;

/// <summary>The JSON form of the reports that commands without a data folder print (eval, dp, models, minimise, train, audit).</summary>
internal static class CliJson
{
    /// <summary>Indented, camelCase property names.</summary>
    public static JsonSerializerOptions Indented { get; } = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
}
