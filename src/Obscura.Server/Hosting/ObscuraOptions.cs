using System.ComponentModel.DataAnnotations;

namespace Obscura.Server.Hosting;

/// <summary>Server settings, section <c>Obscura</c> (or <c>--data</c> on the command line for the data folder).</summary>
public sealed class ObscuraOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Obscura";

    /// <summary>The data folder: database and ledger signing key. Created on first run.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>The cosine-similarity threshold at and above which a protected verification matches.</summary>
    [Range(-0.99, 0.99)]
    public double VerificationThreshold { get; set; } = 0.5;

    /// <summary>Whether to create a first controller key (written to <c>bootstrap-admin.key</c> in the data folder) when none exists.</summary>
    public bool CreateBootstrapKey { get; set; } = true;
}
