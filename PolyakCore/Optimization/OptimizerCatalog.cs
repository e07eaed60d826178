using PolyakCore.Optimization.Directions;
using PolyakCore.Optimization.StepRules;

namespace PolyakCore.Optimization;

/// <summary>The named optimizers: each is a direction times a step rule, with its own defaults.</summary>
public static class OptimizerCatalog
{
    public const string Sgd = "sgd", PolyakSgd = "polyak-sgd", SpsMax = "sps-max", Adam = "adam",
        PolyakAdam = "polyak-adam", PolyakAdamCorrected = "polyak-adam-corrected", ArmijoSgd = "armijo-sgd",
        DecSps = "decsps", AdaSps = "adasps", SgdMomentum = "sgd-momentum", Momo = "momo", MomoStar = "momo-star", MomoAdam = "momo-adam";

    /// <summary>Every name, in the order the pages list them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [Sgd, PolyakSgd, SpsMax, Adam, PolyakAdam, PolyakAdamCorrected, ArmijoSgd, DecSps, AdaSps, SgdMomentum, Momo, MomoStar, MomoAdam];

    /// <summary>The published answers to Polyak's unknown f*, each with a lower bound in its place.</summary>
    public static IReadOnlyList<string> FStarFixes { get; } = [DecSps, AdaSps, Momo, MomoStar, MomoAdam];

    /// <summary>Short names for legends and sentences ("MoMo*" for momo-star).</summary>
    public static string DisplayName(string name) => name switch
    {
        Sgd => "SGD", PolyakSgd => "Polyak (f* = 0)", SpsMax => "SPS_max", Adam => "Adam", PolyakAdam => "Polyak–Adam",
        PolyakAdamCorrected => "Polyak–Adam (corrected)", ArmijoSgd => "Armijo SGD", DecSps => "DecSPS", AdaSps => "AdaSPS",
        SgdMomentum => "SGD + momentum", Momo => "MoMo", MomoStar => "MoMo*", MomoAdam => "MoMo-Adam", _ => name,
    };

    /// <summary>One-line descriptions for pages and the API catalogue.</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>
    {
        [Sgd] = "gradient × constant lr",
        [PolyakSgd] = "gradient × Polyak (f − f*)/(‖g‖² + ε)",
        [SpsMax] = "gradient × Polyak with c = 0.5 and a cap (SPS_max)",
        [Adam] = "Adam direction × constant lr",
        [PolyakAdam] = "Adam direction × Polyak with ‖g‖² (the report's hybrid)",
        [PolyakAdamCorrected] = "Adam direction × Polyak with ⟨g, d⟩ and a cap of 0.1 (MoMo-Adam style)",
        [ArmijoSgd] = "gradient × Armijo backtracking line search",
        [DecSps] = "gradient × DecSPS: min([f − ℓ*]₊/‖g‖², c_{k−1}γ_{k−1})/c_k, c_k = c₀√(k+1) (Orvieto et al. 2022)",
        [AdaSps] = "gradient × AdaSPS: [f − ℓ*]₊/(c_p‖g‖²√Σ gaps), never increasing (Jiang & Stich 2023)",
        [SgdMomentum] = "heavy-ball momentum (average of gradients, β 0.9) × constant lr",
        [Momo] = "heavy-ball momentum × MoMo: min(lr, [f̄ − f_* + ⟨θ, m⟩ − γ]₊/‖m‖²) (Schaipp et al. 2024)",
        [MomoStar] = "heavy-ball momentum × MoMo with the bound f_* estimated on the fly (MoMo*)",
        [MomoAdam] = "Adam direction × MoMo-Adam: min(lr, [f̂ − f_* + ⟨θ, m̂⟩ − γ̂]₊/‖m̂‖²_{D⁻¹}) (Schaipp et al. 2024)",
    };

    public static bool IsKnown(string? name) => name is not null && Names.Contains(name);

    /// <summary>True when the named optimizer's step rule is a constant learning rate.</summary>
    public static bool UsesLearningRate(string name) => name is Sgd or Adam or ArmijoSgd or SgdMomentum;

    public static bool UsesPolyak(string name) => name is PolyakSgd or SpsMax or PolyakAdam or PolyakAdamCorrected;

    public static bool UsesAdam(string name) => name is Adam or PolyakAdam or PolyakAdamCorrected or MomoAdam;

    /// <summary>Heavy-ball momentum directions (β from <see cref="OptimizerSettings.Beta1"/>).</summary>
    public static bool UsesMomentum(string name) => name is SgdMomentum or Momo or MomoStar;

    /// <summary>MoMo's step rule (lr is its cap, f* its lower bound).</summary>
    public static bool UsesMomo(string name) => name is Momo or MomoStar or MomoAdam;

    /// <summary>Rules that take a lower bound ℓ* (<see cref="OptimizerSettings.FStar"/>) in place of f*.</summary>
    public static bool UsesLowerBound(string name) => name is DecSps or AdaSps || UsesMomo(name);

    public static double DefaultLearningRate(string name) => name switch { Adam or MomoAdam => 0.01, ArmijoSgd or Momo or MomoStar => 1.0, _ => 0.1 };

    public static IDirection CreateDirection(string name, OptimizerSettings o) =>
        UsesAdam(name) ? new AdamDirection(new AdamSettings(o.Beta1 ?? 0.9, o.Beta2 ?? 0.999, o.AdamEps ?? 1e-8))
        : UsesMomentum(name) ? new MomentumDirection(new MomentumSettings(o.Beta1 ?? 0.9))
        : new GradientDirection();

    public static IStepRule CreateStepRule(string name, OptimizerSettings o) => name switch
    {
        Sgd or Adam or SgdMomentum => new ConstantStep(o.Lr ?? DefaultLearningRate(name)),
        DecSps => new DecSpsStep(new DecSpsSettings(o.FStar ?? 0.0, o.C ?? 1.0, o.MaxStep is { } b && double.IsFinite(b) ? b : 1.0)),
        AdaSps => new AdaSpsStep(new AdaSpsSettings(o.FStar ?? 0.0, o.C)),
        Momo or MomoStar or MomoAdam => new MomoStep(new MomoSettings(o.Lr ?? DefaultLearningRate(name), o.Beta1 ?? 0.9, o.FStar ?? 0.0,
            BiasCorrection: name == MomoAdam, EstimateBound: o.EstimateBound ?? name == MomoStar)),
        ArmijoSgd => new ArmijoStep(new ArmijoSettings(o.Lr ?? 1.0, o.Shrink ?? 0.5, o.C ?? 1e-4, o.MaxBacktracks ?? 30)),
        PolyakSgd or SpsMax or PolyakAdam or PolyakAdamCorrected => new PolyakStep(PolyakSettingsFor(name, o)),
        _ => throw new ArgumentException($"Unknown optimizer '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
    };

    /// <summary>The Polyak settings a named optimizer uses, with the user's overrides applied.</summary>
    public static PolyakSettings PolyakSettingsFor(string name, OptimizerSettings o)
    {
        bool sps = name == SpsMax, adam = name is PolyakAdam or PolyakAdamCorrected;
        return new PolyakSettings(
            FStar: o.FStar ?? 0.0,
            Eps: o.Eps ?? 1e-8,
            C: o.C ?? (sps ? 0.5 : 1.0),
            // ⟨g, d⟩ alone still diverges: Adam's momentum can leave it tiny while the gap stays (f* = 0 is wrong
            // under noise), so the corrected hybrid is capped like MoMo-Adam's min(lr, Polyak). Measured in 1e.
            MaxStep: o.MaxStep ?? (sps ? 1.0 : name == PolyakAdamCorrected ? 0.1 : null),
            Plus: o.Plus ?? adam,                 // the report clamps Polyak–Adam's step at 0
            Smoothing: o.Smoothing ?? false,
            Corrected: o.Corrected ?? (name == PolyakAdamCorrected));
    }

    public static Optimizer Create(string name, OptimizerSettings options, IEnumerable<TorchSharp.Modules.Parameter> parameters, int batchesPerEpoch = 1) =>
        new(parameters, CreateDirection(name, options), CreateStepRule(name, options), batchesPerEpoch);
}
