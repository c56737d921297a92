import { decodeModel, encodeModel, Graph } from '@gradloc/tensor-backend';

/** A deep copy (through the protobuf bytes), so rewriting it never touches the caller's graph. */
export const cloneGraph = (graph: Graph): Graph => Graph.fromModel(decodeModel(encodeModel(graph.toModel())));
