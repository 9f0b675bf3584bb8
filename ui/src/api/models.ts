/** The models the signed-in user may call (the gateway filters /v1/models by the caller). */
import { api } from './http';

export async function usableModels(): Promise<string[]> {
  const list = await api.get<{ data: { id: string }[] }>('/v1/models');
  return list.data.map((model) => model.id).sort();
}
