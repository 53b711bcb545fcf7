namespace Obscura.Biometrics.Tests;

/// <summary>
/// The trait of the expensive cases (each tens of seconds of CPU: calibrations, rotations, galleries). CI runs them
/// all; a quick local run leaves them out with <c>dotnet test --project tests/Obscura.Biometrics.Tests -- --filter-not-trait "Category=Slow"</c>.
/// </summary>
internal static class SlowTests
{
    public const string Category = nameof(Category);

    public const string Slow = nameof(Slow);
}
