// `agora` with the examples' models: every subcommand (run, validate, models, sweep, replay,
// log check, analyze, runs, mpirun) works for them as for Agora's own.
import Agora
import ForestFire
import MeanReversion

AgoraCommand.main(models: ModelCatalog.all.filter { $0.name != "market" } + [marketWithMeanReversion, ForestFireModel.descriptor])
