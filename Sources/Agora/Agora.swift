// The one library an outside package depends on: `import Agora` brings in the whole public API —
// the engine, the substrates, the exchange, the event log, the catalog, scenarios, runs, analysis
// and the command line (`AgoraCommand.main(models:)`). docs/extending.md shows how it is used.
@_exported import AgoraAnalysis
@_exported import AgoraCalibration
@_exported import AgoraCatalog
@_exported import AgoraCLI
@_exported import AgoraCore
@_exported import AgoraDistributed
@_exported import AgoraEngine
@_exported import AgoraExchange
@_exported import AgoraLLM
@_exported import AgoraLog
@_exported import AgoraModels
@_exported import AgoraRuntime
@_exported import AgoraScenario
@_exported import AgoraSocial
@_exported import AgoraSpace
@_exported import AgoraStudio
