using TorchSharp.Modules;

namespace PolyakCore.Optimization;

// The catalogue's Polyak-family optimizers under their own names, for TorchSharp training loops. Each is
// CatalogOptimizer with typed arguments whose defaults are the catalogue's (a test holds them equal); a new catalogue
// entry works through CatalogOptimizer by name, and a class here is only a short wrapper like these.

/// <summary>SGD with the stochastic Polyak step α = (f − f*)/(c·‖g‖² + ε) (catalogue: <c>polyak-sgd</c>).</summary>
/// <remarks>Loizou, Vaswani, Laradji, Lacoste-Julien, "Stochastic Polyak Step-size for SGD", AISTATS 2021. With
/// interpolation (every mini-batch can reach zero loss) f* = 0 is exact; with noise it is not, and the step blows up
/// near the optimum: cap it (<see cref="SpsMax"/>) or give a better f*.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="fStar">f*, the optimal mini-batch loss assumed (0 for models that can interpolate).</param>
/// <param name="eps">ε added to the denominator.</param>
/// <param name="c">Scale c of the denominator c·‖g‖².</param>
/// <param name="maxStep">Cap on α (+∞: none).</param>
/// <param name="plus">Clamp the gap f − f* at zero (SPS+).</param>
/// <param name="smoothing">Let the cap grow by at most 2^(1/b) a step (b = <paramref name="batchesPerEpoch"/>).</param>
/// <param name="batchesPerEpoch">Mini-batches per epoch, for <paramref name="smoothing"/>.</param>
public sealed class PolyakSgd(IEnumerable<Parameter> parameters, double fStar = 0.0, double eps = 1e-8, double c = 1.0,
    double maxStep = double.PositiveInfinity, bool plus = false, bool smoothing = false, int batchesPerEpoch = 1)
    : CatalogOptimizer(parameters, OptimizerCatalog.PolyakSgd, new OptimizerSettings
    {
        FStar = fStar, Eps = eps, C = c, MaxStep = maxStep, Plus = plus, Smoothing = smoothing,
    }, batchesPerEpoch);

/// <summary>SPS_max: the stochastic Polyak step with c = 0.5 and a cap, α = min((f − f*)/(c·‖g‖² + ε), α_max)
/// (catalogue: <c>sps-max</c>).</summary>
/// <remarks>Loizou et al. 2021, whose theory takes c = 0.5; they use c = 0.2 for deep networks.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="fStar">f*, the optimal mini-batch loss assumed.</param>
/// <param name="eps">ε added to the denominator.</param>
/// <param name="c">Scale c of the denominator.</param>
/// <param name="maxStep">The cap α_max.</param>
/// <param name="smoothing">Let the cap grow by at most 2^(1/b) a step (b = <paramref name="batchesPerEpoch"/>).</param>
/// <param name="batchesPerEpoch">Mini-batches per epoch, for <paramref name="smoothing"/>.</param>
public sealed class SpsMax(IEnumerable<Parameter> parameters, double fStar = 0.0, double eps = 1e-8, double c = 0.5,
    double maxStep = 1.0, bool smoothing = false, int batchesPerEpoch = 1)
    : CatalogOptimizer(parameters, OptimizerCatalog.SpsMax, new OptimizerSettings
    {
        FStar = fStar, Eps = eps, C = c, MaxStep = maxStep, Smoothing = smoothing,
    }, batchesPerEpoch);

/// <summary>Adam's direction times the Polyak step with ‖g‖² in the denominator, the gap clamped at zero
/// (catalogue: <c>polyak-adam</c>): the hybrid of the report this package comes from.</summary>
/// <remarks>The denominator ‖g‖² is not the one the Polyak derivation gives for a direction d ≠ g; see
/// <see cref="PolyakAdamCorrected"/>.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="fStar">f*, the optimal mini-batch loss assumed.</param>
/// <param name="eps">ε added to the Polyak denominator.</param>
/// <param name="beta1">Adam's β₁.</param>
/// <param name="beta2">Adam's β₂.</param>
/// <param name="adamEps">ε of Adam's denominator √v̂ + ε.</param>
/// <param name="maxStep">Cap on α (+∞: none).</param>
/// <param name="plus">Clamp the gap f − f* at zero.</param>
public sealed class PolyakAdam(IEnumerable<Parameter> parameters, double fStar = 0.0, double eps = 1e-8,
    double beta1 = 0.9, double beta2 = 0.999, double adamEps = 1e-8, double maxStep = double.PositiveInfinity, bool plus = true)
    : CatalogOptimizer(parameters, OptimizerCatalog.PolyakAdam, new OptimizerSettings
    {
        FStar = fStar, Eps = eps, Beta1 = beta1, Beta2 = beta2, AdamEps = adamEps, MaxStep = maxStep, Plus = plus,
    });

/// <summary>Adam's direction times the Polyak step with ⟨g, d⟩ in the denominator and a cap, MoMo-Adam style
/// (catalogue: <c>polyak-adam-corrected</c>).</summary>
/// <remarks>⟨g, d⟩ is the Polyak derivation's denominator for a direction d; Adam's momentum can still leave it tiny
/// while the gap stays, hence the cap.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="fStar">f*, the optimal mini-batch loss assumed.</param>
/// <param name="eps">ε added to the Polyak denominator.</param>
/// <param name="beta1">Adam's β₁.</param>
/// <param name="beta2">Adam's β₂.</param>
/// <param name="adamEps">ε of Adam's denominator √v̂ + ε.</param>
/// <param name="maxStep">The cap on α.</param>
/// <param name="plus">Clamp the gap f − f* at zero.</param>
public sealed class PolyakAdamCorrected(IEnumerable<Parameter> parameters, double fStar = 0.0, double eps = 1e-8,
    double beta1 = 0.9, double beta2 = 0.999, double adamEps = 1e-8, double maxStep = 0.1, bool plus = true)
    : CatalogOptimizer(parameters, OptimizerCatalog.PolyakAdamCorrected, new OptimizerSettings
    {
        FStar = fStar, Eps = eps, Beta1 = beta1, Beta2 = beta2, AdamEps = adamEps, MaxStep = maxStep, Plus = plus,
    });

/// <summary>SGD with Armijo backtracking line search: the first α = lr·shrinkʲ with
/// f(θ − α·g) ≤ f(θ) − c·α·‖g‖² on the same mini-batch (catalogue: <c>armijo-sgd</c>).</summary>
/// <remarks>Nocedal and Wright, "Numerical Optimization", Algorithm 3.1; Vaswani et al., "Painless Stochastic
/// Gradient", NeurIPS 2019, for mini-batches. <see cref="CatalogOptimizer.step"/> calls the closure once more per trial
/// step; <see cref="Optimizer.LastStep"/>'s <c>Evaluations</c> counts them.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="lr">The first trial step α₀ of every search.</param>
/// <param name="shrink">β ∈ (0, 1): a rejected trial step is multiplied by β.</param>
/// <param name="c">Sufficient-decrease constant c ∈ (0, 1).</param>
/// <param name="maxBacktracks">After this many rejections the smallest trial step is taken.</param>
public sealed class ArmijoSgd(IEnumerable<Parameter> parameters, double lr = 1.0, double shrink = 0.5, double c = 1e-4, int maxBacktracks = 30)
    : CatalogOptimizer(parameters, OptimizerCatalog.ArmijoSgd, new OptimizerSettings
    {
        Lr = lr, Shrink = shrink, C = c, MaxBacktracks = maxBacktracks,
    });

/// <summary>DecSPS: the Polyak step with a lower bound ℓ* in place of f* and a decreasing scale,
/// γ_k = min([f − ℓ*]₊/‖g‖², c_{k−1}γ_{k−1})/c_k with c_k = c₀√(k + 1) (catalogue: <c>decsps</c>).</summary>
/// <remarks>Orvieto, Lacoste-Julien, Loizou, "Dynamics of SGD with Stochastic Polyak Stepsizes", NeurIPS 2022: converges
/// without interpolation, needing only a lower bound on the loss (0 for non-negative losses).</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="lowerBound">ℓ*, a lower bound on every mini-batch loss.</param>
/// <param name="c0">The scale c₀ of c_k = c₀√(k + 1).</param>
/// <param name="initialBound">γ_b, the bound on the first step.</param>
public sealed class DecSps(IEnumerable<Parameter> parameters, double lowerBound = 0.0, double c0 = 1.0, double initialBound = 1.0)
    : CatalogOptimizer(parameters, OptimizerCatalog.DecSps, new OptimizerSettings { FStar = lowerBound, C = c0, MaxStep = initialBound });

/// <summary>AdaSPS: the Polyak step with a lower bound ℓ*, scaled by the root of the summed gaps and never increasing
/// (catalogue: <c>adasps</c>).</summary>
/// <remarks>Jiang and Stich, "Adaptive SGD with Polyak Stepsize and Line-search", NeurIPS 2023.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="lowerBound">ℓ*, a lower bound on every mini-batch loss.</param>
/// <param name="c">The scale c_p; null: 1/√ of the first loss gap.</param>
public sealed class AdaSps(IEnumerable<Parameter> parameters, double lowerBound = 0.0, double? c = null)
    : CatalogOptimizer(parameters, OptimizerCatalog.AdaSps, new OptimizerSettings { FStar = lowerBound, C = c });

/// <summary>MoMo: heavy-ball momentum with the model-based step min(lr, [f̄ − ℓ* + ⟨θ, m⟩ − γ]₊/‖m‖²)
/// (catalogue: <c>momo</c>; with <paramref name="estimateBound"/>, <c>momo-star</c>).</summary>
/// <remarks>Schaipp, Ohana, Eickenberg, Defazio, Gower, "MoMo: Momentum Models for Adaptive Learning Rates", ICML 2024.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="lr">The cap on the step.</param>
/// <param name="beta">The momentum β.</param>
/// <param name="lowerBound">ℓ*, a lower bound on the loss.</param>
/// <param name="estimateBound">Estimate the lower bound on the fly (MoMo*).</param>
public sealed class Momo(IEnumerable<Parameter> parameters, double lr = 1.0, double beta = 0.9, double lowerBound = 0.0, bool estimateBound = false)
    : CatalogOptimizer(parameters, estimateBound ? OptimizerCatalog.MomoStar : OptimizerCatalog.Momo, new OptimizerSettings
    {
        Lr = lr, Beta1 = beta, FStar = lowerBound, EstimateBound = estimateBound,
    });

/// <summary>MoMo-Adam: Adam's direction with MoMo's model-based step, capped at lr (catalogue: <c>momo-adam</c>).</summary>
/// <remarks>Schaipp et al., ICML 2024.</remarks>
/// <param name="parameters">The parameters to update, e.g. <c>model.parameters()</c>.</param>
/// <param name="lr">The cap on the step (Adam's usual learning rate).</param>
/// <param name="beta1">Adam's β₁ (also MoMo's averaging).</param>
/// <param name="beta2">Adam's β₂.</param>
/// <param name="adamEps">ε of Adam's denominator √v̂ + ε.</param>
/// <param name="lowerBound">ℓ*, a lower bound on the loss.</param>
public sealed class MomoAdam(IEnumerable<Parameter> parameters, double lr = 0.01, double beta1 = 0.9, double beta2 = 0.999,
    double adamEps = 1e-8, double lowerBound = 0.0)
    : CatalogOptimizer(parameters, OptimizerCatalog.MomoAdam, new OptimizerSettings
    {
        Lr = lr, Beta1 = beta1, Beta2 = beta2, AdamEps = adamEps, FStar = lowerBound,
    });
