using System.ComponentModel.DataAnnotations;

namespace Obscura.Server.Hosting;

/// <summary>
/// Per-API-key request limits, section <c>Obscura:RateLimit</c>: each key may make so many requests per window and
/// then gets 429 with <c>Retry-After</c>. Subject keys, handed to the public, are limited by default; staff keys are
/// not unless <see cref="KeyPermits"/> is set.
/// </summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests each subject self-service key may make per window; 0 means no limit.</summary>
    [Range(0, 1_000_000)]
    public int SubjectPermits { get; set; } = 60;

    /// <summary>Requests each other key (controller, processor, auditor) may make per window; 0 (the default) means no limit.</summary>
    [Range(0, 1_000_000)]
    public int KeyPermits { get; set; }

    /// <summary>The window, in seconds.</summary>
    [Range(1, 24 * 60 * 60)]
    public int WindowSeconds { get; set; } = 60;
}
