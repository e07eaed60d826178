using PolyakCore.Experiments;
using PolyakCore.Training;
using PolyakDashboard.Runs;

namespace PolyakDashboard.Api;

// Names for the answers the handlers build as anonymous objects, so the OpenAPI document can describe them
// (ApiDescriptions); ApiDocsTests hold real answers to these schemas.

/// <summary>A run accepted into the queue (<c>POST /api/runs</c>), or cancelled (<c>DELETE /api/runs/{id}</c>).</summary>
public sealed record RunAccepted(string Id, RunStatus Status);

/// <summary>An experiment's runs, accepted into the queue.</summary>
public sealed record ExperimentAccepted(IReadOnlyList<string> RunIds);

/// <summary>The problems and optimizers, each with a one-line description.</summary>
public sealed record CatalogView(IReadOnlyDictionary<string, string> Problems, IReadOnlyDictionary<string, string> Optimizers);

/// <summary>A run's records: one per mini-batch, one per epoch (the full-data loss).</summary>
public sealed record RunMetrics(string Id, IReadOnlyList<string> ParameterNames, IReadOnlyList<BatchRecord> Batches, IReadOnlyList<EpochRecord> Epochs);

/// <summary>Who the caller is, and where the presenter is (for following).</summary>
/// <param name="Role"><c>presenter</c> or <c>viewer</c>.</param>
/// <param name="PresenterAt">The presenter's page and launch, or null.</param>
public sealed record PresenterRole(string Role, PresenterLocation? PresenterAt);

/// <summary>The body of a presenter sign-in.</summary>
public sealed record PresenterSignIn(string Key);

/// <summary>What an import answers: a JSON body's run (<see cref="Id"/>, <see cref="Status"/>), or a zip's
/// <see cref="Runs"/>.</summary>
public sealed record ImportAnswer(string? Id = null, RunStatus? Status = null, IReadOnlyList<ImportedRun>? Runs = null);

/// <summary>One run of an imported zip.</summary>
/// <param name="Source">The entry of the zip it came from.</param>
public sealed record ImportedRun(string Id, RunStatus Status, string Source);

/// <summary>A stored ensemble as <c>GET /api/ensembles</c> lists it (<see cref="EnsemblesApi.Info"/>).</summary>
public sealed record EnsembleInfo(string Id, string ExperimentId, string Title, int Seeds, SeedVariation Vary, int Configurations,
    string Problem, IReadOnlyList<string> Optimizers, RunStatus Status, string? Message, DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt, double? Seconds, ExperimentOverrides Overrides);
