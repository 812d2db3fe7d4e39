// The whole pipeline (bench/pipeline.mjs) on a 3-node cluster with two of each server: the same
// rounds, checks and latency, streams and buckets with 3 replicas, the load split between the two.
import { measurePipeline } from "./pipeline.mjs"

export default async function benchPipelineCluster() {
  await measurePipeline({ cluster: true })
}
