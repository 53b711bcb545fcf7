namespace Obscura.Plots;

/// <summary>One score bin of an unlinkability estimate (Gomez-Barrero et al. 2018).</summary>
/// <param name="Score">The bin's centre: a comparison score across keys.</param>
/// <param name="MatedDensity">Density of mated scores (same subject, different keys) in the bin, at least 0.</param>
/// <param name="NonMatedDensity">Density of non-mated scores in the bin, at least 0.</param>
/// <param name="LocalLinkability">The local measure D↔(s) in the bin, in [0, 1].</param>
public readonly record struct UnlinkabilityBin(double Score, double MatedDensity, double NonMatedDensity, double LocalLinkability);
